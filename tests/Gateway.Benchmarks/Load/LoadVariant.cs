using System.Globalization;
using Gateway.Demo;

namespace Gateway.Benchmarks.Load;

/// <summary>One thing put under load: the upstream itself, nginx, or the gateway with some of its stages switched off.</summary>
internal abstract record LoadVariant(string Name)
{
    public virtual bool Masks => false;

    public abstract Task<LoadTarget> StartAsync(LoadEnvironment environment);
}

/// <summary>A started variant: the process measured, and where to send requests.</summary>
internal sealed record LoadTarget(MeasuredProcess Process, string BaseUrl, bool OwnsProcess) : IDisposable
{
    public void Dispose()
    {
        if (OwnsProcess)
        {
            Process.Dispose();
        }
    }
}

/// <summary>The upstream without anything in front: plain HTTP, the ceiling for every proxy.</summary>
internal sealed record DirectVariant() : LoadVariant("upstream direct")
{
    public override Task<LoadTarget> StartAsync(LoadEnvironment environment) =>
        Task.FromResult(new LoadTarget(environment.Upstream, $"http://127.0.0.1:{environment.UpstreamPort}", OwnsProcess: false));
}

/// <summary>Debian's nginx terminating TLS and proxying to the upstream over kept-alive connections, as a plain deployment would.</summary>
internal sealed record NginxVariant() : LoadVariant("nginx")
{
    /// <summary>nginx on PATH, or where Debian puts it (/usr/sbin, which a non-root PATH may lack); null when not installed.</summary>
    public static string? Executable { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin")
        .Select(directory => Path.Combine(directory, "nginx"))
        .FirstOrDefault(File.Exists);

    public override async Task<LoadTarget> StartAsync(LoadEnvironment environment)
    {
        var port = LoopbackPort.Next();
        var prefix = environment.NewDirectory("nginx");
        var configuration = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(configuration, NginxConfiguration.Render(prefix, port, environment));
        var process = MeasuredProcess.Start(Executable ?? "nginx", ["-p", prefix, "-c", configuration, "-e", Path.Combine(prefix, "error.log")]);
        await LoopbackPort.WaitUntilListeningAsync(port, process, "nginx");
        return new LoadTarget(process, $"https://127.0.0.1:{port}", OwnsProcess: true);
    }
}

/// <summary>The gateway binary (Gateway.dll) as an operator runs it, with <see cref="Overrides"/> applied to the full configuration.</summary>
internal sealed record GatewayVariant(string Name, IReadOnlyDictionary<string, string?> Overrides) : LoadVariant(Name)
{
    public const string AuditStream = "gateway:audit";

    public static readonly IReadOnlyDictionary<string, string?> NoPurposes = new Dictionary<string, string?>
    {
        [$"Gateway:Purposes:Catalog:{LoadEnvironment.Purpose}:Basis"] = null,
        ["Gateway:Purposes:Clients:demo-client:Default"] = null,
    };

    public override bool Masks => !(Overrides.TryGetValue("Gateway:Masking:Enabled", out var enabled) && enabled == "false");

    /// <summary>Another build's Gateway.dll, to compare builds; null for this build's.</summary>
    public string? GatewayDll { get; init; }

    /// <summary>
    /// The runtime environment deploy/Dockerfile gives the gateway, so that every gateway variant is
    /// measured as deployed: a fixed 64 MB gen-0 budget (docs/operations.md, Memory). Only the
    /// environment can set it; the runtime reads no runtimeconfig key for it.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> DeployedEnvironment = new Dictionary<string, string>
    {
        ["DOTNET_GCgen0size"] = "0x4000000",
    };

    /// <summary>Environment variables of this variant's process alone: <see cref="DeployedEnvironment"/>, or a runtime setting under test.</summary>
    public IReadOnlyDictionary<string, string> ProcessEnvironment { get; init; } = DeployedEnvironment;

    public override async Task<LoadTarget> StartAsync(LoadEnvironment environment)
    {
        var proxyPort = LoopbackPort.Next();
        var settings = FullSettings(environment, proxyPort, LoopbackPort.Next());
        foreach (var (key, value) in Overrides)
        {
            settings[key] = value;
        }
        var process = MeasuredProcess.Start("dotnet", [GatewayDll ?? environment.GatewayDll, .. settings.Where(s => s.Value is not null).Select(s => $"--{s.Key}={s.Value}")], environment: ProcessEnvironment);
        await LoopbackPort.WaitUntilListeningAsync(proxyPort, process, $"the gateway ({Name})");
        return new LoadTarget(process, $"https://127.0.0.1:{proxyPort}", OwnsProcess: true);
    }

    /// <summary>TLS, JWT, masking with the demo CRM's rules, a consent purpose, audit to Redis: everything on.</summary>
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
