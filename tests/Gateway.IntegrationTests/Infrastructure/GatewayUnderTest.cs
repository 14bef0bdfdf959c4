using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// The real gateway host (the same composition as Program.cs) on free loopback ports, with real
/// TLS from the test CA, configured only through settings as an operator would.
/// </summary>
public sealed class GatewayUnderTest : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _settings;
    private WebApplication? _app;
    private Action<IServiceCollection>? _overrideServices;

    private GatewayUnderTest(string upstream)
    {
        ProxyPort = FreePort.Next();
        AdminPort = FreePort.Next();
        CredentialValue = $"Bearer crm-secret-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        CredentialFile = Path.Combine(TestPki.Shared.Directory, $"credential-{Guid.NewGuid():N}");
        File.WriteAllText(CredentialFile, CredentialValue + "\n");
        _settings = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:Console:FormatterName"] = "simple",
            ["Gateway:Transport:Proxy:Address"] = "localhost",
            ["Gateway:Transport:Proxy:Port"] = ProxyPort.ToString(),
            ["Gateway:Transport:Admin:Address"] = "localhost",
            ["Gateway:Transport:Admin:Port"] = AdminPort.ToString(),
            ["Gateway:Transport:Certificate:Path"] = TestPki.Shared.Server.CertificatePath,
            ["Gateway:Transport:Certificate:KeyPath"] = TestPki.Shared.Server.KeyPath,
            ["Gateway:Upstream:Credential:ValueFile"] = CredentialFile,
            ["Gateway:Upstream:AllowInsecure"] = upstream.StartsWith("http://", StringComparison.Ordinal) ? "true" : null,
            ["ReverseProxy:Routes:crm:ClusterId"] = "crm",
            ["ReverseProxy:Routes:crm:Match:Path"] = "/api/{**rest}",
            ["ReverseProxy:Clusters:crm:Destinations:primary:Address"] = upstream,
        };
        foreach (var (key, value) in TestIdentityProvider.GatewaySettings(TestIdentityProvider.Shared.JwksPath))
        {
            _settings[key] = value;
        }
        _settings["Gateway:Masking:RulesPath"] = TestRules.Path;
    }

    /// <summary>A valid support-agent token of the test identity provider, as every well-behaved client sends.</summary>
    public static string DefaultToken { get; } = TestIdentityProvider.Shared.Mint(spec => spec.Expires = TimeSpan.FromHours(2));

    public int ProxyPort { get; }

    public int AdminPort { get; }

    public string CredentialFile { get; }

    public string CredentialValue { get; }

    public IServiceProvider Services => (_app ?? throw new InvalidOperationException("Not started.")).Services;

    /// <summary>A gateway in front of <paramref name="upstream"/>; http:// upstreams get AllowInsecure (as a developer would set it).</summary>
    public static GatewayUnderTest For(string upstream) => new(upstream);

    /// <summary>Sets a setting, or removes it when <paramref name="value"/> is null.</summary>
    public GatewayUnderTest With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>Audits into a stream of its own on <paramref name="redisConfiguration"/>, spooling in a fresh directory.</summary>
    public GatewayUnderTest WithAudit(string redisConfiguration, string? spoolDirectory = null)
    {
        AuditStream = $"audit:{Guid.NewGuid():N}";
        AuditSpoolDirectory = spoolDirectory ?? TestAudit.NewSpoolDirectory();
        return With("Gateway:Redis:Configuration", redisConfiguration)
            .With("Gateway:Audit:KeyFile", TestAudit.KeyFile)
            .With("Gateway:Audit:Stream", AuditStream)
            .With("Gateway:Audit:SpoolDirectory", AuditSpoolDirectory);
    }

    public string? AuditStream { get; private set; }

    public string? AuditSpoolDirectory { get; private set; }

    /// <summary>The settings as command-line arguments, as an operator would pass them to the gateway process.</summary>
    public IReadOnlyList<string> Arguments => [.. _settings.Where(s => s.Value is not null).Select(s => $"--{s.Key}={s.Value}")];

    /// <summary>
    /// Registers services before the gateway's own (which are all TryAdd), so that they win: e.g.
    /// <c>.WithServices(s => s.AddSingleton&lt;TimeProvider&gt;(fakeTime))</c>. Only the gateway's own
    /// components take the provider; Kestrel, HttpClient and the Redis client keep the real clock.
    /// </summary>
    public GatewayUnderTest WithServices(Action<IServiceCollection> overrideServices)
    {
        _overrideServices += overrideServices;
        return this;
    }

    /// <summary>Keeps what the gateway logs (at the levels its settings let through) in <paramref name="log"/>, for a test that waits for an entry.</summary>
    internal GatewayUnderTest WithCapturedLog(out CapturedLog log)
    {
        var captured = log = new CapturedLog();
        return WithServices(services => services.AddSingleton<ILoggerProvider>(captured));
    }

    public WebApplication Build() => _app = GatewayApplication.Create([.. Arguments], overrideServices: _overrideServices);

    public async Task<GatewayUnderTest> StartAsync()
    {
        await Build().StartAsync();
        return this;
    }

    public Uri Url(string pathAndQuery) => new($"https://localhost:{ProxyPort}{pathAndQuery}");

    public Uri AdminUrl(string path) => new($"https://localhost:{AdminPort}{path}");

    /// <summary>Asks <c>/readyz</c> until it answers <paramref name="expected"/> or <paramref name="within"/> (default 10 s) has passed; returns the last answer.</summary>
    public Task<HttpResponseMessage> PollReadyAsync(HttpClient client, HttpStatusCode expected, TimeSpan? within = null) =>
        Eventually.ValueAsync(() => client.GetAsync(AdminUrl("/readyz")), response => response.StatusCode == expected, within);

    /// <summary>
    /// An HttpClient that trusts only the test CA, as a client of the gateway would, and sends
    /// <see cref="DefaultToken"/> unless a request carries its own Authorization. Each request gets a
    /// new connection unless <paramref name="configure"/> says otherwise.
    /// </summary>
    public static HttpClient CreateClient(Version? version = null, Action<X509Certificate2?>? onServerCertificate = null, Action<SocketsHttpHandler>? configure = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    var server = certificate as X509Certificate2;
                    onServerCertificate?.Invoke(server);
                    return TestPki.Shared.Validates(server);
                },
            },
        };
        configure?.Invoke(handler);
        return new HttpClient(new DefaultTokenHandler(handler))
        {
            DefaultRequestVersion = version ?? HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        File.Delete(CredentialFile);
    }

    private sealed class DefaultTokenHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Headers.Authorization is null && !request.Headers.Contains("X-No-Token"))
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", DefaultToken);
            }
            request.Headers.Remove("X-No-Token");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
