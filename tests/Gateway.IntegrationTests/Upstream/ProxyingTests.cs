using System.Net;
using System.Text;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Upstream;

public sealed class ProxyingTests : GatewayInFrontOfCrm, IDisposable
{
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Get_RoutedPath_ReturnsCrmBodyOverTls()
    {
        var response = await _client.GetAsync(Gateway.Url("/api/contacts?page=1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestRules.MaskedContactsJson, await response.Content.ReadAsStringAsync());
        Assert.Equal("/api/contacts", Crm.LogEntries.Single().RequestMessage.Path);
    }

    [Fact]
    public async Task CrmUnreachable_GetsProblemJsonWithItsCode()
    {
        await using var gateway = await GatewayUnderTest.For($"http://127.0.0.1:{FreePort.Next()}").StartAsync();

        var response = await _client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"code\":\"upstream_unreachable\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_Http2_IsProxied()
    {
        using var client = GatewayUnderTest.CreateClient(HttpVersion.Version20);

        var response = await client.GetAsync(Gateway.Url("/api/contacts"));

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Post_Body_ReachesCrmUnchanged()
    {
        var response = await _client.PostAsync(Gateway.Url("/api/contacts"), new StringContent("""{"firstName":"Ada"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"firstName":"Ada"}""", Crm.LogEntries.Single().RequestMessage.Body);
    }

    [Fact]
    public async Task Request_ClientAccessToken_IsReplacedByGatewayCredential()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Gateway.Url("/api/contacts"));
        request.Headers.TryAddWithoutValidation("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0");

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Gateway.CredentialValue, Crm.ReceivedHeader("Authorization"));
        Assert.Null(Crm.ReceivedHeader("Proxy-Authorization"));
        var tokenSignature = GatewayUnderTest.DefaultToken.Split('.')[2];
        Assert.DoesNotContain(Crm.LogEntries.Single().RequestMessage.Headers!, h => h.Value.Any(v => v.Contains(tokenSignature)));
    }

    /// <summary>
    /// Kestrel reduces a Connection header that holds close or keep-alive to that one token, so
    /// only nominations made on their own are visible to the gateway (docs/operations.md).
    /// </summary>
    [Fact]
    public async Task Request_HeaderNominatedByConnection_IsNotForwarded()
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort,
            "GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nConnection: Accept-Language\r\nAccept-Language: de-CH\r\nPrefer: return=minimal\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Null(Crm.ReceivedHeader("Accept-Language"));
        Assert.Equal("return=minimal", Crm.ReceivedHeader("Prefer"));
    }

    [Fact]
    public async Task Request_StandardHopByHopHeaders_AreNotForwarded()
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort,
            "GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Null(Crm.ReceivedHeader("Keep-Alive"));
        Assert.Null(Crm.ReceivedHeader("Proxy-Connection"));
        Assert.Null(Crm.ReceivedHeader("TE"));
    }

    [Fact]
    public async Task Response_EverySuccessAndRefusal_CarriesHsts()
    {
        var ok = await _client.GetAsync(Gateway.Url("/api/contacts"));
        var notRouted = await _client.GetAsync(Gateway.Url("/elsewhere"));
        var refused = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Trace, Gateway.Url("/api/contacts")));

        foreach (var response in new[] { ok, notRouted, refused })
        {
            Assert.True(response.Headers.TryGetValues("Strict-Transport-Security", out var values), $"no HSTS on {(int)response.StatusCode}");
            Assert.StartsWith("max-age=31536000", values.Single());
        }
    }

    [Fact]
    public async Task Get_UnroutedPath_Returns404WithoutContactingCrm()
    {
        var response = await _client.GetAsync(Gateway.Url("/internal/admin"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(Crm.LogEntries);
    }
}
