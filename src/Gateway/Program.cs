using Gateway;
using Gateway.Core.Hosting;
using Gateway.Demo;

if (args.Contains(DemoMode.Flag))
{
    return await DemoMode.RunAsync([.. args.Where(a => a != DemoMode.Flag)]);
}

await using var app = GatewayApplication.Create(args);
var exitCode = await StartupFailure.RunGuardedAsync(() => app.StartAsync());
if (exitCode == 0)
{
    await app.WaitForShutdownAsync();
}
return exitCode;
