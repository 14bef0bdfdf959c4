using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.IntegrationTests.Infrastructure;
using WireMock.Server;

namespace Gateway.IntegrationTests.Upstream;

public sealed class ProxyingTests : IAsyncLifetime
{
    private readonly WireMockServer _crm = CrmStub.StartHttp();
    private GatewayUnderTest _gateway = null!;
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();

    public async Task InitializeAsync() => _gateway = await GatewayUnderTest.For(_crm.Url!).StartAsync();

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _gateway.DisposeAsync();
        _crm.Stop();
    }

    [Fact]
    public async Task Get_RoutedPath_ReturnsCrmBodyOverTls()
    {
        var response = await _client.GetAsync(_gateway.Url("/api/contacts?page=1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CrmStub.ContactsJson, await response.Content.ReadAsStringAsync());
        Assert.Equal("/api/contacts", _crm.LogEntries.Single().RequestMessage.Path);
    }

    [Fact]
    public async Task Get_Http2_IsProxied()
    {
        using var client = GatewayUnderTest.CreateClient(HttpVersion.Version20);

        var response = await client.GetAsync(_gateway.Url("/api/contacts"));

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Post_Body_ReachesCrmUnchanged()
    {
        var response = await _client.PostAsync(_gateway.Url("/api/contacts"), new StringContent("""{"firstName":"Ada"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"firstName":"Ada"}""", _crm.LogEntries.Single().RequestMessage.Body);
    }

    [Fact]
    public async Task Request_ClientAuthorization_IsReplacedByGatewayCredential()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _gateway.Url("/api/contacts"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "client-token-must-not-leak");
        request.Headers.TryAddWithoutValidation("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0");

        await _client.SendAsync(request);

        Assert.Equal(_gateway.CredentialValue, _crm.ReceivedHeader("Authorization"));
        Assert.Null(_crm.ReceivedHeader("Proxy-Authorization"));
        Assert.DoesNotContain(_crm.LogEntries.Single().RequestMessage.Headers!, h => h.Value.Any(v => v.Contains("client-token-must-not-leak")));
    }

    [Fact]
    public async Task Request_WithoutAuthorization_StillCarriesGatewayCredential()
    {
        await _client.GetAsync(_gateway.Url("/api/contacts"));

        Assert.Equal(_gateway.CredentialValue, _crm.ReceivedHeader("Authorization"));
    }

    /// <summary>
    /// Kestrel reduces a Connection header that holds close or keep-alive to that one token, so
    /// only nominations made on their own are visible to the gateway (docs/operations.md).
    /// </summary>
    [Fact]
    public async Task Request_HeaderNominatedByConnection_IsNotForwarded()
    {
        var response = await RawHttpsClient.SendAsync(_gateway.ProxyPort,
            "GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nConnection: X-Hop-Secret\r\nX-Hop-Secret: internal\r\nX-Kept: yes\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Null(_crm.ReceivedHeader("X-Hop-Secret"));
        Assert.Equal("yes", _crm.ReceivedHeader("X-Kept"));
    }

    [Fact]
    public async Task Request_StandardHopByHopHeaders_AreNotForwarded()
    {
        var response = await RawHttpsClient.SendAsync(_gateway.ProxyPort,
            "GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Null(_crm.ReceivedHeader("Keep-Alive"));
        Assert.Null(_crm.ReceivedHeader("Proxy-Connection"));
        Assert.Null(_crm.ReceivedHeader("TE"));
    }

    [Fact]
    public async Task Response_EverySuccessAndRefusal_CarriesHsts()
    {
        var ok = await _client.GetAsync(_gateway.Url("/api/contacts"));
        var notRouted = await _client.GetAsync(_gateway.Url("/elsewhere"));
        var refused = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Trace, _gateway.Url("/api/contacts")));

        foreach (var response in new[] { ok, notRouted, refused })
        {
            Assert.True(response.Headers.TryGetValues("Strict-Transport-Security", out var values), $"no HSTS on {(int)response.StatusCode}");
            Assert.StartsWith("max-age=31536000", values.Single());
        }
    }

    [Fact]
    public async Task Get_UnroutedPath_Returns404WithoutContactingCrm()
    {
        var response = await _client.GetAsync(_gateway.Url("/internal/admin"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(_crm.LogEntries);
    }
}
