using System.Net;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.RequestGuard;

/// <summary>Without configured names, a request must name the gateway as its certificate does.</summary>
public sealed class HostNameTests : GatewayInFrontOfCrm
{
    [Theory]
    [InlineData("evil.example.com")]
    [InlineData("localhost.evil.example.com")]
    [InlineData("crm.example.com:443")]
    [InlineData("127.0.0.2")]
    [InlineData("[::2]:8443")]
    public async Task HostNotOnTheCertificate_IsRefusedWith421(string host)
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, $"GET /api/contacts HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");

        Assert.Equal(421, response.Status);
        Assert.Contains("\"code\":\"host_not_allowed\"", response.Body);
        Assert.Empty(Crm.LogEntries);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST:8443")]
    [InlineData("localhost.")]
    [InlineData("127.0.0.1:443")]
    [InlineData("[::1]")]
    public async Task HostOnTheCertificate_IsServed(string host)
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, $"GET /api/contacts HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
    }

    [Fact]
    public async Task Http2Authority_NotOnTheCertificate_IsRefused()
    {
        using var client = GatewayUnderTest.CreateClient(HttpVersion.Version20);
        using var request = new HttpRequestMessage(HttpMethod.Get, Gateway.Url("/api/contacts"));
        request.Headers.Host = "evil.example.com";

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
        Assert.Empty(Crm.LogEntries);
    }
}

/// <summary>Configured names replace the certificate's.</summary>
public sealed class ConfiguredAllowedHostsTests : GatewayInFrontOfCrm
{
    protected override GatewayUnderTest Configure(GatewayUnderTest gateway) => gateway
        .With("Gateway:Transport:AllowedHosts:0", "crm-gateway.example.com")
        .With("Gateway:Transport:AllowedHosts:1", "*.gw.example.com");

    [Theory]
    [InlineData("crm-gateway.example.com", 200)]
    [InlineData("CRM-Gateway.Example.com:8443", 200)]
    [InlineData("eu.gw.example.com", 200)]
    [InlineData("gw.example.com", 421)]
    [InlineData("a.eu.gw.example.com", 421)]
    [InlineData("localhost", 421)]
    public async Task Host_IsCheckedAgainstTheConfiguredNames(string host, int expected)
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, $"GET /api/contacts HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");

        Assert.Equal(expected, response.Status);
        Assert.Equal(expected == 200 ? 1 : 0, Crm.LogEntries.Count());
    }
}
