using System.Net;
using System.Security.Cryptography;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.IntegrationTests.Identity;

/// <summary>A workforce IdP and a machine-to-machine IdP side by side, each with its own keys, audiences and role map.</summary>
public sealed class MultipleIssuersTests : GatewayInFrontOfCrm, IDisposable
{
    private const string MachineIssuer = "https://m2m.test.invalid";
    private static readonly ECDsaSecurityKey MachineKey = new(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "m2m-1" };
    private static readonly string MachineJwks = WriteJwks();
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();

    public void Dispose() => _client.Dispose();

    protected override GatewayUnderTest Configure(GatewayUnderTest gateway) => gateway
        .With("Gateway:Identity:Issuers:1:Name", "m2m")
        .With("Gateway:Identity:Issuers:1:Issuer", MachineIssuer)
        .With("Gateway:Identity:Issuers:1:JwksPath", MachineJwks)
        .With("Gateway:Identity:Issuers:1:Audiences:0", "crm-gateway-batch")
        .With("Gateway:Identity:Issuers:1:RoleClaims:0", "scope")
        .With("Gateway:Identity:Issuers:1:RoleMap:crm.export", "exporter");

    [Fact]
    public async Task MachineToken_WithItsOwnAudienceAndScope_IsAccepted()
    {
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(Machine(audience: "crm-gateway-batch", scope: "crm.export")));
    }

    [Fact]
    public async Task MachineToken_WithTheWorkforceAudience_IsRefused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(Machine(audience: TestIdentityProvider.Audience, scope: "crm.export")));
    }

    [Fact]
    public async Task MachineToken_CarryingAWorkforceRole_GetsNoRole()
    {
        var token = TestIdentityProvider.Mint(new TokenSpec { SigningKey = MachineKey, Issuer = MachineIssuer, Audience = "crm-gateway-batch" });

        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(token));
    }

    [Fact]
    public async Task MachineIssuerName_SignedWithTheWorkforceKey_IsRefused()
    {
        var token = TestIdentityProvider.Mint(new TokenSpec { SigningKey = TestIdentityProvider.Shared.EcKey, Issuer = MachineIssuer, Audience = "crm-gateway-batch" });

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(token));
        Assert.Empty(Crm.LogEntries);
    }

    private static string Machine(string audience, string scope)
    {
        var spec = new TokenSpec { SigningKey = MachineKey, Issuer = MachineIssuer, Audience = audience };
        spec.Claims.Remove("roles");
        spec.Claims["scope"] = scope;
        return TestIdentityProvider.Mint(spec);
    }

    private async Task<HttpStatusCode> StatusAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Gateway.Url("/api/contacts"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return (await _client.SendAsync(request)).StatusCode;
    }

    private static string WriteJwks()
    {
        var path = Path.Combine(TestPki.Shared.Directory, "m2m-jwks.json");
        File.WriteAllText(path, TestIdentityProvider.Jwks(MachineKey));
        return path;
    }
}
