using System.Globalization;
using Gateway.Demo;

namespace Gateway.Benchmarks.Load;

/// <summary>
/// The gateway binary (Gateway.dll) as an operator runs it, with <see cref="Overrides"/> applied to
/// the full configuration and <see cref="Environment"/> given to its process alone.
/// </summary>
internal sealed record LoadVariant(string Name, IReadOnlyDictionary<string, string?> Overrides)
{
    public const string AuditStream = "gateway:audit";

    /// <summary>
    /// The runtime environment deploy/Dockerfile gives the gateway, so that every variant is
    /// measured as deployed: a fixed 64 MB gen-0 budget (docs/operations.md, Memory). Only the
    /// environment can set it; the runtime reads no runtimeconfig key for it.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> DeployedEnvironment = new Dictionary<string, string>
    {
        ["DOTNET_GCgen0size"] = "0x4000000",
    };

    private static readonly IReadOnlyDictionary<string, string?> NoPurposes = new Dictionary<string, string?>
    {
        [$"Gateway:Purposes:Catalog:{LoadEnvironment.Purpose}:Basis"] = null,
        ["Gateway:Purposes:Clients:demo-client:Default"] = null,
    };

    /// <summary>TLS, the request guard and the CRM credential only: the floor every stage is measured against.</summary>
    public static readonly LoadVariant BareYarp = new("bare YARP", new Dictionary<string, string?>(NoPurposes)
    {
        ["Gateway:Identity:Enabled"] = "false",
        ["Gateway:Masking:Enabled"] = "false",
        ["Gateway:Redis:Configuration"] = null,
        ["Gateway:Audit:Enabled"] = "false",
    });

    /// <summary>TLS, JWT, masking with the demo CRM's rules, a consent purpose, audit to Redis: everything on.</summary>
    public static readonly LoadVariant Full = new("full gateway", new Dictionary<string, string?>());

    // Purposes need identity and masking, so switching either off switches consent off too.
    private static readonly LoadVariant WithoutIdentity = new("full - identity", new Dictionary<string, string?>(NoPurposes) { ["Gateway:Identity:Enabled"] = "false" });

    private static readonly LoadVariant WithoutMasking = new("full - masking", new Dictionary<string, string?>(NoPurposes) { ["Gateway:Masking:Enabled"] = "false" });

    private static readonly LoadVariant WithoutConsent = new("full - consent", NoPurposes);

    public static readonly LoadVariant WithoutAudit = new("full - audit", new Dictionary<string, string?> { ["Gateway:Audit:Enabled"] = "false" });

    /// <summary>Every stage's cost is the full gateway's minus the variant without it; bare YARP first, as the baseline.</summary>
    public static IReadOnlyList<LoadVariant> All { get; } = [BareYarp, Full, WithoutIdentity, WithoutMasking, WithoutConsent, WithoutAudit];

    /// <summary>Environment variables of this variant's process alone: <see cref="DeployedEnvironment"/>, and a setting under test.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = DeployedEnvironment;

    public bool Masks => Setting("Gateway:Masking:Enabled") != "false";

    /// <summary>
    /// <c>NAME</c>, or <c>NAME with VAR=VALUE [VAR=VALUE]...</c>: one of <see cref="All"/>, its
    /// process given those environment variables on top of the deployed ones, e.g.
    /// <c>full gateway with DOTNET_GCgen0size=0</c> (the runtime's own gen-0 budget) or
    /// <c>full gateway with Gateway__Audit__FsyncInterval=00:00:00.002</c>.
    /// </summary>
    public static (LoadVariant? Variant, string? Error) Parse(string specification)
    {
        var parts = specification.Split(" with ", 2, StringSplitOptions.TrimEntries);
        if (All.FirstOrDefault(v => v.Name == parts[0]) is not { } named)
        {
            return (null, $"no variant '{parts[0]}'; one of {string.Join(", ", All.Select(v => $"\"{v.Name}\""))}, optionally followed by \" with VAR=VALUE ...\".");
        }
        if (parts.Length == 1)
        {
            return (named, null);
        }
        var assignments = parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (assignments.Length == 0 || assignments.Any(a => a.IndexOf('=') <= 0))
        {
            return (null, $"'{specification}': after \"with\" come VAR=VALUE assignments separated by spaces.");
        }
        var environment = new Dictionary<string, string>(DeployedEnvironment);
        foreach (var (name, value) in assignments.Select(a => a.Split('=', 2)).Select(p => (p[0], p[1])))
        {
            environment[name] = value;
        }
        return (named with { Name = specification, Environment = environment }, null);
    }

    public async Task<LoadTarget> StartAsync(LoadEnvironment environment)
    {
        var proxyPort = LoopbackPort.Next();
        var settings = FullSettings(environment, proxyPort, LoopbackPort.Next());
        foreach (var (key, value) in Overrides)
        {
            settings[key] = value;
        }
        var process = MeasuredProcess.Start("dotnet", [environment.GatewayDll, .. settings.Where(s => s.Value is not null).Select(s => $"--{s.Key}={s.Value}")], environment: Environment);
        await LoopbackPort.WaitUntilListeningAsync(proxyPort, process, $"the gateway ({Name})");
        return new LoadTarget(process, $"https://127.0.0.1:{proxyPort}");
    }

    /// <summary>A setting as this variant's process sees it: an override, else an environment variable, else unset.</summary>
    private string? Setting(string key) =>
        Overrides.TryGetValue(key, out var value) ? value : Environment.GetValueOrDefault(key.Replace(":", "__", StringComparison.Ordinal));

    private static Dictionary<string, string?> FullSettings(LoadEnvironment environment, int proxyPort, int adminPort)
    {
        var workspace = environment.Workspace;
        return new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Gateway:Transport:Proxy:Address"] = "127.0.0.1",
            ["Gateway:Transport:Proxy:Port"] = proxyPort.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Transport:Admin:Address"] = "127.0.0.1",
            ["Gateway:Transport:Admin:Port"] = adminPort.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Transport:Certificate:Path"] = workspace.ServerCertificatePath,
            ["Gateway:Transport:Certificate:KeyPath"] = workspace.ServerKeyPath,
            ["Gateway:Upstream:AllowInsecure"] = "true",
            ["Gateway:Upstream:Credential:ValueFile"] = workspace.CrmCredentialPath,
            ["ReverseProxy:Routes:contacts:ClusterId"] = "crm",
            ["ReverseProxy:Routes:contacts:Match:Path"] = "/api/contacts/{**rest}",
            ["ReverseProxy:Clusters:crm:Destinations:upstream:Address"] = $"http://127.0.0.1:{environment.UpstreamPort}/",
            ["Gateway:Identity:Issuers:0:Name"] = "demo-idp",
            ["Gateway:Identity:Issuers:0:Issuer"] = DemoTokenIssuer.Issuer,
            ["Gateway:Identity:Issuers:0:JwksPath"] = workspace.JwksPath,
            ["Gateway:Identity:Issuers:0:Audiences:0"] = DemoTokenIssuer.Audience,
            ["Gateway:Identity:Issuers:0:RoleClaims:0"] = "roles",
            [$"Gateway:Identity:Issuers:0:RoleMap:{LoadEnvironment.Role}"] = LoadEnvironment.Role,
            ["Gateway:Masking:RulesPath"] = environment.RulesPath,
            ["Gateway:Masking:HashKeyFile"] = workspace.HashKeyPath,
            ["Gateway:Redis:Configuration"] = environment.Redis.Configuration,
            ["Gateway:Audit:KeyFile"] = workspace.AuditKeyPath,
            ["Gateway:Audit:Stream"] = AuditStream,
            ["Gateway:Audit:SpoolDirectory"] = environment.NewDirectory("audit-spool"),
            [$"Gateway:Purposes:Catalog:{LoadEnvironment.Purpose}:Basis"] = "consent",
            ["Gateway:Purposes:Clients:demo-client:Default"] = LoadEnvironment.Purpose,
        };
    }
}

/// <summary>A started variant: the process measured, and where to send requests.</summary>
internal sealed record LoadTarget(MeasuredProcess Process, string BaseUrl) : IDisposable
{
    public void Dispose() => Process.Dispose();
}
