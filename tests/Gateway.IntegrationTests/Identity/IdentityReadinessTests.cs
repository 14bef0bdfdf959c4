using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace Gateway.IntegrationTests.Identity;

/// <summary>
/// An identity provider that cannot be reached: every token is refused with 503, so the instance
/// is not ready, and the log says once which authority failed and why; when the provider comes
/// back, readiness turns healthy without a request or a restart.
/// </summary>
public sealed class IdentityReadinessTests : IAsyncDisposable
{
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "idp-key" };
    private readonly WireMockServer _crm = CrmStub.StartHttp();
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();
    private readonly CapturedLog _log = new();
    private readonly int _idpPort = FreePort.Next();
    private WireMockServer? _idp;

    private string IssuerUrl => $"https://localhost:{_idpPort}";

    [Fact]
    public async Task UnreachableIdp_MakesTheGatewayNotReady_LogsTheCauseOnce_AndItsReturnMakesItReady()
    {
        await using var gateway = await GatewayUnderTest.For(_crm.Url!)
            .With("Gateway:Identity:Issuers:0:Issuer", IssuerUrl)
            .With("Gateway:Identity:Issuers:0:JwksPath", null)
            .With("Gateway:Identity:Issuers:0:Authority", IssuerUrl)
            .With("Gateway:Identity:Issuers:0:TrustedCaPath", TestPki.Shared.CaPath)
            .With("Logging:LogLevel:Gateway.Identity", "Information")
            .WithServices(services => services.AddSingleton<ILoggerProvider>(_log))
            .StartAsync();

        var report = await ReadinessSayingAsync(gateway, "\"name\":\"identity\",\"status\":\"Unhealthy\",\"description\":\"issuer test-idp: no signing keys (connection refused)\"");
        Assert.StartsWith("{\"status\":\"Unhealthy\"", report);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(gateway, Mint()));
        }
        var unavailable = _log.Entries.Where(e => e.Contains("cannot be had from", StringComparison.Ordinal)).ToList();
        Assert.Equal([$"Warning Gateway.Identity.IssuerRegistry: Signing keys of issuer test-idp cannot be had from {IssuerUrl}: connection refused. Its tokens are refused (503, keys_unavailable) and /readyz reports it until they can "], unavailable);

        StartIdp();

        var ready = await gateway.PollReadyAsync(_client, HttpStatusCode.OK, TimeSpan.FromSeconds(20));
        Assert.True(ready.StatusCode == HttpStatusCode.OK, await ready.Content.ReadAsStringAsync());
        Assert.Contains("\"name\":\"identity\",\"status\":\"Healthy\"", await ready.Content.ReadAsStringAsync());
        Assert.Contains(_log.Entries, e => e.Contains($"Signing keys of issuer test-idp fetched from {IssuerUrl} again", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, Mint()));
    }

    [Fact]
    public async Task IdpAnsweringWithAnErrorStatus_IsNamedWithTheStatus()
    {
        StartIdp(discoveryStatus: 500);
        await using var gateway = await GatewayUnderTest.For(_crm.Url!)
            .With("Gateway:Identity:Issuers:0:Issuer", IssuerUrl)
            .With("Gateway:Identity:Issuers:0:JwksPath", null)
            .With("Gateway:Identity:Issuers:0:Authority", IssuerUrl)
            .With("Gateway:Identity:Issuers:0:TrustedCaPath", TestPki.Shared.CaPath)
            .WithServices(services => services.AddSingleton<ILoggerProvider>(_log))
            .StartAsync();

        await ReadinessSayingAsync(gateway, "issuer test-idp: no signing keys (HTTP status 500)");
        Assert.Contains(_log.Entries, e => e.Contains($"cannot be had from {IssuerUrl}: HTTP status 500", StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Entries, e => e.Contains("idp-secret-body", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        _idp?.Stop();
        _crm.Stop();
        await Task.CompletedTask;
    }

    private void StartIdp(int discoveryStatus = 200)
    {
        _idp = WireMockServer.Start(new WireMockServerSettings
        {
            Port = _idpPort,
            UseSSL = true,
            CertificateSettings = new WireMockCertificateSettings { X509CertificateFilePath = TestPki.Shared.Server.PfxPath, X509CertificatePassword = TestPki.PfxPassword },
        });
        _idp.Given(Request.Create().WithPath("/.well-known/openid-configuration").UsingGet())
            .RespondWith(discoveryStatus == 200
                ? Response.Create().WithHeader("Content-Type", "application/json").WithBody($$"""{"issuer":"{{IssuerUrl}}","jwks_uri":"{{IssuerUrl}}/jwks"}""")
                : Response.Create().WithStatusCode(discoveryStatus).WithBody("idp-secret-body"));
        _idp.Given(Request.Create().WithPath("/jwks").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(TestIdentityProvider.Jwks(_key)));
    }

    /// <summary>/readyz until its report holds <paramref name="text"/> (the first probe may not have ended at the first ask).</summary>
    private async Task<string> ReadinessSayingAsync(GatewayUnderTest gateway, string text)
    {
        var (status, report) = await Eventually.ValueAsync(async () =>
        {
            using var response = await _client.GetAsync(gateway.AdminUrl("/readyz"));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }, answer => answer.Item2.Contains(text, StringComparison.Ordinal), TimeSpan.FromSeconds(15));
        Assert.True(report.Contains(text, StringComparison.Ordinal), $"/readyz never said {text}; last: {report}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        return report;
    }

    private string Mint() => TestIdentityProvider.Mint(new TokenSpec { SigningKey = _key, Issuer = IssuerUrl });

    private async Task<HttpStatusCode> StatusAsync(GatewayUnderTest gateway, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url("/api/contacts"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _client.SendAsync(request);
        return response.StatusCode;
    }
}
