using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Transport;

public sealed class ForwardedHeadersTests
{
    private const string SpoofedClient = "203.0.113.9";

    [Fact]
    public async Task XForwarded_FromUntrustedAddress_IsIgnored()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).StartAsync();

        var response = await SendSpoofedAsync(gateway, proto: "http");

        Assert.Equal(200, response.Status);
        Assert.True(response.HasHeader("Strict-Transport-Security", "max-age"));
        Assert.Equal("https", crm.ReceivedHeader("X-Forwarded-Proto"));
        Assert.DoesNotContain(SpoofedClient, crm.ReceivedHeader("X-Forwarded-For") ?? string.Empty);
    }

    [Fact]
    public async Task XForwardedFor_FromTrustedProxy_IsBelieved()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Transport:TrustedProxies:0", "127.0.0.0/8")
            .With("Gateway:Transport:TrustedProxies:1", "::1")
            .StartAsync();

        var response = await SendSpoofedAsync(gateway, proto: "https");

        Assert.Equal(200, response.Status);
        Assert.Equal(SpoofedClient, crm.ReceivedHeader("X-Forwarded-For"));
    }

    [Fact]
    public async Task XForwardedProtoHttp_FromTrustedProxy_IsRefusedAsPlainHttp()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Transport:TrustedProxies:0", "127.0.0.1")
            .With("Gateway:Transport:TrustedProxies:1", "::1")
            .StartAsync();

        var response = await SendSpoofedAsync(gateway, proto: "http");

        Assert.Equal(403, response.Status);
        Assert.Contains("insecure_scheme", response.Body);
        Assert.Empty(crm.LogEntries);
    }

    private static Task<RawResponse> SendSpoofedAsync(GatewayUnderTest gateway, string proto) =>
        RawHttpsClient.SendAsync(gateway.ProxyPort,
            $"GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: {proto}\r\nX-Forwarded-For: {SpoofedClient}\r\nConnection: close\r\n\r\n");
}
