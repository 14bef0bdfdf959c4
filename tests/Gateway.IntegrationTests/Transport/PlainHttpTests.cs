using System.Text;
using Gateway.IntegrationTests.Infrastructure;
using WireMock.Server;

namespace Gateway.IntegrationTests.Transport;

public sealed class PlainHttpTests : IAsyncLifetime
{
    private readonly WireMockServer _crm = CrmStub.StartHttp();
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayUnderTest.For(_crm.Url!).StartAsync();

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _crm.Stop();
    }

    [Fact]
    public async Task PlainHttp_ToProxyPort_GetsNoDataAndNothingReachesCrm()
    {
        var reply = await RawHttpsClient.SendPlainAsync(_gateway.ProxyPort,
            "GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer leaked-if-forwarded\r\nConnection: close\r\n\r\n");

        var text = Encoding.ASCII.GetString(reply);
        Assert.DoesNotContain("HTTP/1.1 2", text);
        Assert.DoesNotContain("HTTP/1.1 3", text);
        Assert.DoesNotContain("c-1", text);
        Assert.Empty(_crm.LogEntries);
    }

    [Fact]
    public async Task PlainHttp_ToAdminPort_GetsNoData()
    {
        var reply = await RawHttpsClient.SendPlainAsync(_gateway.AdminPort, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.DoesNotContain("Healthy", Encoding.ASCII.GetString(reply));
    }

    [Fact]
    public async Task HttpClient_PlainHttpScheme_FailsToGetAResponse()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://localhost:{_gateway.ProxyPort}/api/contacts"));
        Assert.Empty(_crm.LogEntries);
    }
}
