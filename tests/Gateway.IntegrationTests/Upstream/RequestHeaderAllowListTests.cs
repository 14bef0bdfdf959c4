using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Upstream;

/// <summary>What reaches the CRM of the headers a client sends: only what the allow-list names, and forwarding headers the gateway built itself.</summary>
public sealed class RequestHeaderAllowListTests : GatewayInFrontOfCrm
{
    protected override GatewayUnderTest Configure(GatewayUnderTest gateway) => gateway
        .With("ReverseProxy:Routes:crm:Order", "10")
        .With("ReverseProxy:Routes:salesforce:ClusterId", "crm")
        .With("ReverseProxy:Routes:salesforce:Match:Path", "/api/sobjects/{**rest}")
        .With("ReverseProxy:Routes:salesforce:Metadata:AllowRequestHeaders", "Sforce-*, X-Partner-Id")
        .With("ReverseProxy:Routes:original-host:ClusterId", "crm")
        .With("ReverseProxy:Routes:original-host:Match:Path", "/api/original-host/{**rest}")
        .With("ReverseProxy:Routes:original-host:Transforms:0:RequestHeaderOriginalHost", "true");

    [Theory]
    [InlineData("X-Real-IP", "203.0.113.9")]
    [InlineData("X-Client-IP", "203.0.113.9")]
    [InlineData("True-Client-IP", "203.0.113.9")]
    [InlineData("X-Forwarded-Port", "80")]
    [InlineData("X-Forwarded-Host", "evil.example.com")]
    [InlineData("X-Forwarded-Prefix", "/admin")]
    [InlineData("X-Forwarded-Server", "evil.example.com")]
    [InlineData("Forwarded", "for=203.0.113.9;proto=http;host=evil.example.com")]
    [InlineData("X-Original-URL", "/api/admin")]
    [InlineData("X-Rewrite-URL", "/api/admin")]
    [InlineData("Cookie", "sid=00Dxx0000001gPL!AR8AQJXg")]
    [InlineData("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0")]
    [InlineData("X-Purpose", "marketing")]
    [InlineData("X-Crm-Bypass-Triggers", "true")]
    [InlineData("MSCRM.BypassCustomPluginExecution", "true")]
    [InlineData("Sforce-Auto-Assign", "false")]
    public async Task UnlistedHeader_NeverReachesTheCrm(string name, string value)
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort,
            $"GET /api/contacts HTTP/1.1\r\nHost: localhost\r\n{name}: {value}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        var received = Crm.LogEntries.Single().RequestMessage.Headers!;
        Assert.DoesNotContain(received, h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));
        // Nor under another name; a short value ("80", "true") is looked for whole, as it could turn up inside a random one.
        Assert.DoesNotContain(received, h => h.Value.Any(v => v == value || (value.Length >= 8 && v.Contains(value, StringComparison.Ordinal))));
    }

    [Fact]
    public async Task ListedHeaders_ReachTheCrmUnchanged()
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort,
            "POST /api/contacts HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nAccept-Language: de-CH\r\n"
            + "Content-Type: application/json\r\nContent-Length: 2\r\nIf-Match: \"v7\"\r\nPrefer: return=minimal\r\n"
            + "Idempotency-Key: 4f1c\r\nUser-Agent: crm-portal/1.2\r\nX-Request-Id: req-42\r\nConnection: close\r\n\r\n",
            "{}"u8.ToArray());

        Assert.Equal(200, response.Status);
        Assert.Equal("application/json", Crm.ReceivedHeader("Accept"));
        Assert.Equal("de-CH", Crm.ReceivedHeader("Accept-Language"));
        Assert.Equal("application/json", Crm.ReceivedHeader("Content-Type"));
        Assert.Equal("2", Crm.ReceivedHeader("Content-Length"));
        Assert.Equal("\"v7\"", Crm.ReceivedHeader("If-Match"));
        Assert.Equal("return=minimal", Crm.ReceivedHeader("Prefer"));
        Assert.Equal("4f1c", Crm.ReceivedHeader("Idempotency-Key"));
        Assert.Equal("crm-portal/1.2", Crm.ReceivedHeader("User-Agent"));
        Assert.Equal("req-42", Crm.ReceivedHeader("X-Request-Id"));
        Assert.Equal("{}", Crm.LogEntries.Single().RequestMessage.Body);
    }

    [Fact]
    public async Task ForwardingHeaders_AreTheGatewaysOwn_AndNoForwardedHostIsBuilt()
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort,
            "GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: evil.example.com\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Contains(Crm.ReceivedHeader("X-Forwarded-For"), new[] { "127.0.0.1", "::1" });
        Assert.Equal("https", Crm.ReceivedHeader("X-Forwarded-Proto"));
        Assert.Null(Crm.ReceivedHeader("X-Forwarded-Host"));
        Assert.Null(Crm.ReceivedHeader("X-Forwarded-Prefix"));
        Assert.NotEqual("localhost", Crm.ReceivedHeader("Host"));
    }

    [Fact]
    public async Task RouteWithRequestHeaderOriginalHost_SendsTheCheckedHost()
    {
        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, "GET /api/original-host/contacts HTTP/1.1\r\nHost: localhost:8443\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Equal("localhost:8443", Crm.ReceivedHeader("Host"));
    }

    [Fact]
    public async Task RouteMetadata_AddsHeadersForThatRouteOnly()
    {
        const string Extra = "Sforce-Auto-Assign: false\r\nSforce-Query-Options: batchSize=200\r\nX-Partner-Id: p-7\r\n";

        var onRoute = await RawHttpsClient.SendAsync(Gateway.ProxyPort, $"GET /api/sobjects/Contact HTTP/1.1\r\nHost: localhost\r\n{Extra}Connection: close\r\n\r\n");

        Assert.Equal(200, onRoute.Status);
        Assert.Equal("false", Crm.ReceivedHeader("Sforce-Auto-Assign"));
        Assert.Equal("batchSize=200", Crm.ReceivedHeader("Sforce-Query-Options"));
        Assert.Equal("p-7", Crm.ReceivedHeader("X-Partner-Id"));

        Crm.ResetLogEntries();
        var elsewhere = await RawHttpsClient.SendAsync(Gateway.ProxyPort, $"GET /api/contacts HTTP/1.1\r\nHost: localhost\r\n{Extra}Connection: close\r\n\r\n");

        Assert.Equal(200, elsewhere.Status);
        Assert.Null(Crm.ReceivedHeader("Sforce-Auto-Assign"));
        Assert.Null(Crm.ReceivedHeader("X-Partner-Id"));
    }
}
