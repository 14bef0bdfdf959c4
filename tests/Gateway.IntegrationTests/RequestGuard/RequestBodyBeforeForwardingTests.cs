using System.Text;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.RequestGuard;

/// <summary>
/// A request body the gateway refuses is refused before the CRM sees any part of the request:
/// the raw CRM counts every request head that reaches it.
/// </summary>
public sealed class RequestBodyBeforeForwardingTests : IAsyncLifetime
{
    private readonly RawUpstream _crm = new("HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: 2", "{}"u8.ToArray());
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await GatewayUnderTest.For(_crm.Url).With("Gateway:RequestGuard:MaxRequestBodyBytes", "1024").StartAsync();

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _crm.Dispose();
    }

    [Fact]
    public async Task ChunkedBodyOverTheLimit_Gets413_AndNothingReachesTheCrm()
    {
        var chunk = RawUpstream.Chunk(Encoding.ASCII.GetBytes(new string('x', 700)));
        var response = await RawHttpsClient.SendAsync(_gateway.ProxyPort,
            "POST /api/contacts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            [.. chunk, .. chunk, .. RawUpstream.LastChunk]);

        Assert.Equal(413, response.Status);
        Assert.Contains("\"code\":\"body_too_large\"", response.Body);
        Assert.Equal(0, _crm.Requests);
    }

    [Fact]
    public async Task MalformedChunkedBody_Gets400_AndNothingReachesTheCrm()
    {
        var response = await RawHttpsClient.SendAsync(_gateway.ProxyPort,
            "POST /api/contacts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            "5\r\n{\"a\":\r\nzz\r\n"u8.ToArray());

        Assert.Equal(400, response.Status);
        Assert.Equal(0, _crm.Requests);
    }

    [Fact]
    public async Task ChunkedBodyWithinTheLimit_IsForwarded()
    {
        var response = await RawHttpsClient.SendAsync(_gateway.ProxyPort,
            "POST /api/contacts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            [.. RawUpstream.Chunk("{\"firstName\":\"Ada\"}"u8.ToArray()), .. RawUpstream.LastChunk]);

        Assert.Equal(200, response.Status);
        Assert.Equal(1, _crm.Requests);
    }
}
