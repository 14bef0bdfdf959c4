using DemoCrm;
using Gateway.Core.Hosting;

namespace Gateway.Demo;

/// <summary>
/// <c>--demo</c>: the whole gateway with nothing installed. A demo CRM on a loopback port,
/// a generated CA and certificate, a token signing key, and a ready-to-paste curl per role.
/// </summary>
internal static class DemoMode
{
    public const string Flag = "--demo";
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(8);

    public static async Task<int> RunAsync(string[] args)
    {
        var now = TimeProvider.System.GetUtcNow();
        var workspace = new DemoWorkspace(".demo");
        var certificate = workspace.EnsureCertificates(now);
        var credential = workspace.EnsureCrmCredential();
        var issuer = DemoTokenIssuer.Ensure(workspace);

        await using var crm = await DemoCrmServer.StartAsync(new DemoCrmSettings { Certificate = certificate, RequiredAuthorization = credential });
        var app = GatewayApplication.Create(args, Defaults(workspace, crm.BaseAddress));
        await using (app)
        {
            var exitCode = await StartupFailure.RunGuardedAsync(() => app.StartAsync());
            if (exitCode != 0)
            {
                return exitCode;
            }
            var proxy = app.Configuration.GetValue("Gateway:Transport:Proxy:Port", 8443);
            var admin = app.Configuration.GetValue("Gateway:Transport:Admin:Port", 8444);
            Console.WriteLine(DemoBanner.Render(workspace, issuer, now, TokenLifetime, proxy, admin, crm.BaseAddress));
            await app.WaitForShutdownAsync();
        }
        return 0;
    }

    private static Dictionary<string, string?> Defaults(DemoWorkspace workspace, Uri crm) => new()
    {
        ["Gateway:Transport:Proxy:Address"] = "localhost",
        ["Gateway:Transport:Proxy:Port"] = "8443",
        ["Gateway:Transport:Admin:Address"] = "localhost",
        ["Gateway:Transport:Admin:Port"] = "8444",
        ["Gateway:Transport:Certificate:Path"] = workspace.ServerCertificatePath,
        ["Gateway:Transport:Certificate:KeyPath"] = workspace.ServerKeyPath,
        ["Gateway:Upstream:TrustedCaPath"] = workspace.CaCertificatePath,
        ["Gateway:Upstream:Credential:ValueFile"] = workspace.CrmCredentialPath,
        ["ReverseProxy:Routes:contacts:ClusterId"] = "crm",
        ["ReverseProxy:Routes:contacts:Match:Path"] = "/api/contacts/{**rest}",
        ["ReverseProxy:Clusters:crm:Destinations:demo-crm:Address"] = crm.ToString(),
        ["Logging:Console:FormatterName"] = "simple",
    };
}
