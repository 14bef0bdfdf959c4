using DemoCrm;

namespace Gateway.Demo;

/// <summary>
/// <c>--demo</c>: the whole gateway with nothing installed. A demo CRM on a loopback port,
/// a generated CA and certificate, a token signing key, and a ready-to-paste curl per role.
/// </summary>
internal sealed class DemoMode : IAsyncDisposable
{
    public const string Flag = "--demo";
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(8);

    private readonly DemoCrmServer _crm;

    private DemoMode(DemoCrmServer crm, WebApplication gateway, string banner)
    {
        _crm = crm;
        Gateway = gateway;
        Banner = banner;
    }

    public WebApplication Gateway { get; }

    public string Banner { get; }

    public static async Task<int> RunAsync(string[] args)
    {
        DemoMode? demo = null;
        #pragma warning disable RS0030 // The composition root: the demo runs on the system clock.
        var exitCode = await StartupFailure.RunGuardedAsync(async () => demo = await StartAsync(".demo", args, TimeProvider.System));
#pragma warning restore RS0030
        if (demo is null)
        {
            return exitCode;
        }
        await using (demo)
        {
            Console.WriteLine(demo.Banner);
            await demo.Gateway.WaitForShutdownAsync();
        }
        return 0;
    }

    /// <summary>Prepares <paramref name="workspaceRoot"/>, starts the demo CRM and the gateway, and mints the tokens.</summary>
    /// <param name="time">The clock of the certificates, the tokens and the gateway alike.</param>
    public static async Task<DemoMode> StartAsync(string workspaceRoot, string[] args, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var workspace = new DemoWorkspace(workspaceRoot);
        var certificate = workspace.EnsureCertificates(now);
        var credential = workspace.EnsureCrmCredential();
        var issuer = DemoTokenIssuer.Ensure(workspace);

        var crm = await DemoCrmServer.StartAsync(new DemoCrmSettings { Certificate = certificate, RequiredAuthorization = credential });
        try
        {
            var withRedis = !string.IsNullOrWhiteSpace(new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build()["Gateway:Redis:Configuration"]);
            var gateway = GatewayApplication.Create(args, Defaults(workspace, crm.BaseAddress, withRedis), services => services.AddSingleton(time));
            await gateway.StartAsync();
            var proxyPort = gateway.Configuration.GetValue("Gateway:Transport:Proxy:Port", 8443);
            var adminPort = gateway.Configuration.GetValue("Gateway:Transport:Admin:Port", 8444);
            var redis = gateway.Configuration["Gateway:Redis:Configuration"];
            var banner = DemoBanner.Render(workspace, issuer, now, TokenLifetime, proxyPort, adminPort, crm.BaseAddress, string.IsNullOrWhiteSpace(redis) ? null : redis);
            return new DemoMode(crm, gateway, banner);
        }
        catch
        {
            await crm.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.StopAsync();
        await Gateway.DisposeAsync();
        await _crm.DisposeAsync();
    }

    /// <summary>
    /// Purposes: support (contract) always; with Redis also marketing (consent) and partner-sharing
    /// (legitimate interest, honouring the CRM's doNotSell), which need the consent store.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string?>> Purposes(bool withRedis)
    {
        yield return new("Gateway:Purposes:Catalog:support:Basis", "contract");
        yield return new("Gateway:Purposes:Clients:demo-client:Default", "support");
        yield return new("Gateway:Purposes:Clients:demo-client:MayDeclare", "true");
        if (withRedis)
        {
            yield return new("Gateway:Purposes:Catalog:marketing:Basis", "consent");
            yield return new("Gateway:Purposes:Catalog:partner-sharing:Basis", "legitimate_interest");
        }
    }

    /// <summary>
    /// With Redis, budgets a demo user can run into: a marketing analyst gets 50 records per 10
    /// minutes (below what the in-process detector finds unusual, so the README's loop ends in the
    /// quota's 429, not in a suspension), a support agent 500, a compliance officer 200
    /// high-sensitivity values in clear per hour.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string?>> Quotas(bool withRedis)
    {
        if (!withRedis)
        {
            yield break;
        }
        yield return new("Gateway:Quota:Roles:support-agent:Requests:Limit", "300");
        yield return new("Gateway:Quota:Roles:support-agent:Requests:Window", "00:01:00");
        yield return new("Gateway:Quota:Roles:support-agent:Records:Limit", "500");
        yield return new("Gateway:Quota:Roles:support-agent:Records:Window", "00:10:00");
        yield return new("Gateway:Quota:Roles:marketing-analyst:Records:Limit", "50");
        yield return new("Gateway:Quota:Roles:marketing-analyst:Records:Window", "00:10:00");
        yield return new("Gateway:Quota:Roles:compliance-officer:ClearValues:Limit", "200");
        yield return new("Gateway:Quota:Roles:compliance-officer:ClearValues:Window", "01:00:00");
    }

    /// <summary>
    /// With Redis, the anomaly detector runs in the gateway with containment on: a score of 70
    /// tightens the principal's quotas to a tenth for 15 minutes, 85 suspends it for 15 minutes.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string?>> Detector(bool withRedis)
    {
        if (!withRedis)
        {
            yield break;
        }
        yield return new("Gateway:Detector:InProcess", "true");
        yield return new("Gateway:Detector:Containment:Rules:0:MinScore", "70");
        yield return new("Gateway:Detector:Containment:Rules:0:Action", "tighten");
        yield return new("Gateway:Detector:Containment:Rules:0:Factor", "0.1");
        yield return new("Gateway:Detector:Containment:Rules:0:Duration", "00:15:00");
        yield return new("Gateway:Detector:Containment:Rules:1:MinScore", "85");
        yield return new("Gateway:Detector:Containment:Rules:1:Action", "suspend");
        yield return new("Gateway:Detector:Containment:Rules:1:Duration", "00:15:00");
    }

    private static Dictionary<string, string?> Defaults(DemoWorkspace workspace, Uri crm, bool withRedis) => new Dictionary<string, string?>
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
        ["Gateway:Identity:Issuers:0:Name"] = "demo-idp",
        ["Gateway:Identity:Issuers:0:Issuer"] = DemoTokenIssuer.Issuer,
        ["Gateway:Identity:Issuers:0:JwksPath"] = workspace.JwksPath,
        ["Gateway:Identity:Issuers:0:Audiences:0"] = DemoTokenIssuer.Audience,
        ["Gateway:Identity:Issuers:0:RoleClaims:0"] = "roles",
        ["Gateway:Masking:RulesPath"] = Path.Combine(AppContext.BaseDirectory, "rules", "democrm.yaml"),
        ["Gateway:Masking:HashKeyFile"] = workspace.EnsureHashKey(),
        ["Gateway:Audit:KeyFile"] = workspace.EnsureAuditKey(),
        ["Gateway:Audit:SpoolDirectory"] = workspace.AuditSpoolPath,
        ["Logging:Console:FormatterName"] = "simple",
    }.Concat(DemoTokenIssuer.Roles.Append(DemoTokenIssuer.SecurityTeam).SelectMany(role => role.Roles).Distinct().Select(role =>
        KeyValuePair.Create($"Gateway:Identity:Issuers:0:RoleMap:{role}", (string?)role))).Concat(Purposes(withRedis)).Concat(Quotas(withRedis)).Concat(Detector(withRedis)).ToDictionary();
}
