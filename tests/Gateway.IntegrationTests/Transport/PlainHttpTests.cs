using System.Text;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Transport;

public sealed class PlainHttpTests : GatewayInFrontOfCrm
{
    [Fact]
    public async Task PlainHttp_ToProxyPort_GetsNoDataAndNothingReachesCrm()
    {
        var reply = await RawHttpsClient.SendPlainAsync(Gateway.ProxyPort,
            "GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer leaked-if-forwarded\r\nConnection: close\r\n\r\n");

        var text = Encoding.ASCII.GetString(reply);
        Assert.DoesNotContain("HTTP/1.1 2", text);
        Assert.DoesNotContain("HTTP/1.1 3", text);
        Assert.DoesNotContain("c-1", text);
        Assert.Empty(Crm.LogEntries);
    }

    [Fact]
    public async Task PlainHttp_ToAdminPort_GetsNoData()
    {
        var reply = await RawHttpsClient.SendPlainAsync(Gateway.AdminPort, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.DoesNotContain("Healthy", Encoding.ASCII.GetString(reply));
    }

    [Fact]
    public async Task HttpClient_PlainHttpScheme_FailsToGetAResponse()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://localhost:{Gateway.ProxyPort}/api/contacts"));
        Assert.Empty(Crm.LogEntries);
    }
}
