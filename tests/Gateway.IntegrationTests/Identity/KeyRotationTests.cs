using System.Net;
using System.Security.Cryptography;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.Tokens;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace Gateway.IntegrationTests.Identity;

/// <summary>An identity provider (WireMock over HTTPS: OIDC discovery and JWKS) that rotates its keys while the gateway runs.</summary>
public sealed class KeyRotationTests : IAsyncLifetime
{
    private readonly RsaSecurityKey _oldKey = new(RSA.Create(2048)) { KeyId = "2026-old" };
    private readonly RsaSecurityKey _newKey = new(RSA.Create(2048)) { KeyId = "2026-new" };
    private readonly WireMockServer _crm = CrmStub.StartHttp();
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();
    private WireMockServer _idp = null!;
    private GatewayUnderTest _gateway = null!;

    private string IssuerUrl => _idp.Url!;

    public async Task InitializeAsync()
    {
        _idp = WireMockServer.Start(new WireMockServerSettings
        {
            Port = FreePort.Next(),
            UseSSL = true,
            CertificateSettings = new WireMockCertificateSettings { X509CertificateFilePath = TestPki.Shared.Server.PfxPath, X509CertificatePassword = TestPki.PfxPassword },
        });
        _idp.Given(Request.Create().WithPath("/.well-known/openid-configuration").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json")
                .WithBody($$"""{"issuer":"{{IssuerUrl}}","jwks_uri":"{{IssuerUrl}}/jwks"}"""));
        PublishKeys(_oldKey);
        _gateway = await GatewayUnderTest.For(_crm.Url!)
            .With("Gateway:Identity:Issuers:0:Issuer", IssuerUrl)
            .With("Gateway:Identity:Issuers:0:JwksPath", null)
            .With("Gateway:Identity:Issuers:0:Authority", IssuerUrl)
            .With("Gateway:Identity:Issuers:0:TrustedCaPath", TestPki.Shared.CaPath)
            .With("Gateway:Identity:Issuers:0:KeyRefreshInterval", "00:00:01")
            .StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _client.Dispose();
        _idp.Stop();
        _crm.Stop();
    }

    [Fact]
    public async Task IdpRotatesKeys_NewTokensValidateWithoutRestart_RemovedKeyStopsValidating()
    {
        var oldToken = Mint(_oldKey);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(oldToken));

        PublishKeys(_newKey);
        var newToken = Mint(_newKey);
        var newStatus = await PollAsync(newToken, HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, newStatus);

        var oldStatus = await PollAsync(oldToken, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, oldStatus);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(Mint(_oldKey)));
    }

    [Fact]
    public async Task DiscoveryNamingAnotherIssuer_KeysAreNotUsed()
    {
        _idp.Given(Request.Create().WithPath("/.well-known/openid-configuration").UsingGet()).AtPriority(0)
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json")
                .WithBody($$"""{"issuer":"https://impostor.example","jwks_uri":"{{IssuerUrl}}/jwks"}"""));
        await using var gateway = await GatewayUnderTest.For(_crm.Url!)
            .With("Gateway:Identity:Issuers:0:Issuer", IssuerUrl)
            .With("Gateway:Identity:Issuers:0:JwksPath", null)
            .With("Gateway:Identity:Issuers:0:Authority", IssuerUrl)
            .With("Gateway:Identity:Issuers:0:TrustedCaPath", TestPki.Shared.CaPath)
            .StartAsync();

        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url("/api/contacts"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Mint(_oldKey));
        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Empty(_crm.LogEntries);
    }

    private void PublishKeys(params SecurityKey[] keys) =>
        _idp.Given(Request.Create().WithPath("/jwks").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(TestIdentityProvider.Jwks(keys)));

    private string Mint(SecurityKey key) => TestIdentityProvider.Mint(new TokenSpec { SigningKey = key, Issuer = IssuerUrl });

    private async Task<HttpStatusCode> StatusAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _gateway.Url("/api/contacts"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return (await _client.SendAsync(request)).StatusCode;
    }

    /// <summary>
    /// Asks until the gateway answers <paramref name="expected"/>. The keys come through
    /// Microsoft.IdentityModel's ConfigurationManager, which refreshes in the background and at most
    /// once per <c>KeyRefreshInterval</c> of the machine's clock (it takes no TimeProvider): only
    /// asking again tells when it has.
    /// </summary>
    private Task<HttpStatusCode> PollAsync(string token, HttpStatusCode expected) =>
        Eventually.ValueAsync(() => StatusAsync(token), status => status == expected);
}
