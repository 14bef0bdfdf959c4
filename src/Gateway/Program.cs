using Gateway;
using Gateway.Demo;

if (args.Contains(DemoMode.Flag))
{
    return await DemoMode.RunAsync([.. args.Where(a => a != DemoMode.Flag)]);
}

WebApplication? app = null;
var exitCode = await StartupFailure.RunGuardedAsync(async () =>
{
    app = GatewayApplication.Create(args);
    await app.StartAsync();
});
if (app is not null)
{
    await using (app)
    {
        if (exitCode == 0)
        {
            await app.WaitForShutdownAsync();
        }
    }
}
return exitCode;
