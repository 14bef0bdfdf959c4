using System.Net;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Identity;

public sealed class RolesAndMfaTests : GatewayInFrontOfCrm
{
    private static readonly TestIdentityProvider Idp = TestIdentityProvider.Shared;
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();

    protected override GatewayUnderTest Configure(GatewayUnderTest gateway) => gateway
        .With("ReverseProxy:Routes:secure:ClusterId", "crm")
        .With("ReverseProxy:Routes:secure:Match:Path", "/secure/{**rest}")
        .With("ReverseProxy:Routes:secure:Metadata:RequireMfa", "true")
        .With("ReverseProxy:Routes:secure:Transforms:0:PathPattern", "/api/{**rest}")
        .With("Gateway:Identity:MfaAcrValues:0", "urn:example:loa:high");

    [Theory]
    [InlineData("roles", "crm-support")]
    [InlineData("groups", "crm-compliance")]
    [InlineData("scp", "openid crm.read")]
    public async Task MappedValue_InAnyConfiguredClaim_IsAccepted(string claim, string value)
    {
        var token = Idp.Mint(spec =>
        {
            spec.Claims.Remove("roles");
            spec.Claims[claim] = claim == "scp" ? value : new[] { value };
        });

        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/api/contacts", token)).StatusCode);
    }

    [Fact]
    public async Task NestedRealmAccessRoles_AreMapped()
    {
        var token = Idp.Mint(spec =>
        {
            spec.Claims.Remove("roles");
            spec.Claims["realm_access"] = new Dictionary<string, object> { ["roles"] = new[] { "offline_access", "crm-support" } };
        });

        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/api/contacts", token)).StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("crm-admin-but-unmapped,everyone")]
    [InlineData("CRM-SUPPORT")]
    public async Task NoMappedRole_Gets403InsufficientScope(string roles)
    {
        var token = Idp.Mint(spec => spec.Claims["roles"] = roles.Split(',', StringSplitOptions.RemoveEmptyEntries));

        var response = await GetAsync("/api/contacts", token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("error=\"insufficient_scope\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Empty(Crm.LogEntries);
    }

    [Fact]
    public async Task MfaRoute_WithoutMfa_GetsRfc9470Challenge()
    {
        var token = Idp.Mint(spec => spec.Claims["amr"] = new[] { "pwd" });

        var response = await GetAsync("/secure/contacts", token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"insufficient_user_authentication\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Empty(Crm.LogEntries);
    }

    [Theory]
    [InlineData("amr", "mfa")]
    [InlineData("amr", "hwk")]
    [InlineData("acr", "urn:example:loa:high")]
    public async Task MfaRoute_WithMfaFact_IsForwarded(string claim, string value)
    {
        var token = Idp.Mint(spec =>
        {
            if (claim == "amr")
            {
                spec.Claims["amr"] = new[] { "pwd", value };
            }
            else
            {
                spec.Claims["acr"] = value;
            }
        });

        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/secure/contacts", token)).StatusCode);
    }

    [Fact]
    public async Task OrdinaryRoute_WithoutMfa_IsForwarded()
    {
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/api/contacts", Idp.Mint())).StatusCode);
    }

    [Fact]
    public async Task NoToken_Gets401WithBareBearerChallenge()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Gateway.Url("/api/contacts"));
        request.Headers.Add("X-No-Token", "1");

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"compliance-gateway\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Contains("\"code\":\"token_required\"", await response.Content.ReadAsStringAsync());
        Assert.Empty(Crm.LogEntries);
    }

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer")]
    [InlineData("Bearer a b")]
    public async Task NonBearerAuthorization_Gets401InvalidRequest(string authorization)
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort,
            $"GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n");

        Assert.Equal(401, response.Status);
        Assert.True(response.HasHeader("WWW-Authenticate", "error=\"invalid_request\""), response.Head);
        Assert.Empty(Crm.LogEntries);
    }

    [Fact]
    public async Task TwoAuthorizationHeaders_Get401InvalidRequest()
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort,
            $"GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {Idp.Mint()}\r\nAuthorization: Bearer {Idp.Mint()}\r\nConnection: close\r\n\r\n");

        Assert.Equal(401, response.Status);
        Assert.Empty(Crm.LogEntries);
    }

    [Fact]
    public async Task Es256Token_IsAccepted()
    {
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/api/contacts", Idp.Mint(spec => spec.SigningKey = Idp.EcKey))).StatusCode);
    }

    [Fact]
    public async Task TokenWithinClockSkew_IsAccepted()
    {
        var token = Idp.Mint(spec => spec.Expires = TimeSpan.FromSeconds(-10));

        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/api/contacts", token)).StatusCode);
    }

    private Task<HttpResponseMessage> GetAsync(string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Gateway.Url(path));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return _client.SendAsync(request);
    }
}
