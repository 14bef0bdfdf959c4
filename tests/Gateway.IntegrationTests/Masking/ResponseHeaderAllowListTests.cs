using System.Net;
using System.Text;
using Gateway.IntegrationTests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Gateway.IntegrationTests.Masking;

/// <summary>On a masked route the CRM's headers are not masked by role, so only those known to describe the response reach the client.</summary>
public sealed class ResponseHeaderAllowListTests : GatewayInFrontOfCrm, IDisposable
{
    internal const string Secret = "195-33-7518";
    internal static readonly string Record = $$"""{"data":[{"id":"c-9","ssn":"{{Secret}}"}]}""";
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();
    private readonly RawUpstream _withTrailers = WithTrailers();

    public void Dispose()
    {
        _client.Dispose();
        _withTrailers.Dispose();
    }

    protected override GatewayUnderTest Configure(GatewayUnderTest gateway) => gateway
        .With("Gateway:Masking:UnknownRoutes", "pass")
        .With("ReverseProxy:Routes:crm:Order", "10")
        .With("ReverseProxy:Routes:pages:ClusterId", "crm")
        .With("ReverseProxy:Routes:pages:Match:Path", "/api/pages/{**rest}")
        .With("ReverseProxy:Routes:pages:Metadata:AllowResponseHeaders", "X-Next-Page-Token, X-Crm-Limit-*")
        .With("ReverseProxy:Routes:unmasked:ClusterId", "crm")
        .With("ReverseProxy:Routes:unmasked:Match:Path", "/other/{**rest}")
        .With("ReverseProxy:Routes:trailers:ClusterId", "trailers")
        .With("ReverseProxy:Routes:trailers:Match:Path", "/api/trailers/{**rest}")
        .With("ReverseProxy:Routes:unmasked-trailers:ClusterId", "trailers")
        .With("ReverseProxy:Routes:unmasked-trailers:Match:Path", "/other/trailers/{**rest}")
        .With("ReverseProxy:Clusters:trailers:Destinations:primary:Address", _withTrailers.Url);

    /// <summary>A CRM answer that puts personal data, a cookie and a trailer announcement beside the headers a client needs.</summary>
    internal static void ServeLeakyHeaders(WireMock.Server.WireMockServer crm, string path) =>
        crm.Given(Request.Create().WithPath(path))
            .RespondWith(Response.Create().WithStatusCode(200)
                .WithHeader("Content-Type", "application/json")
                .WithHeader("X-Crm-Debug", $"query=SELECT Id FROM Contact WHERE SSN__c='{Secret}'")
                .WithHeader("Set-Cookie", "BrowserId=q7Zx; Path=/; Secure")
                .WithHeader("Trailer", "X-Crm-Checksum")
                .WithHeader("Cache-Control", "no-store")
                .WithHeader("Sforce-Limit-Info", "api-usage=25/15000")
                .WithHeader("X-RateLimit-Remaining", "99")
                .WithHeader("X-Request-Id", "crm-req-1")
                .WithHeader("X-Next-Page-Token", "p2")
                .WithHeader("X-Crm-Limit-Daily", "5000")
                .WithBody(Record));

    [Fact]
    public async Task PersonalValueInACrmHeader_NeverReachesTheClient_OnAMaskedRoute()
    {
        ServeLeakyHeaders(Crm, "/api/contacts");

        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, "GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.DoesNotContain(Secret, response.Head);
        Assert.DoesNotContain(Secret, response.Body);
        Assert.False(response.HasHeader("X-Crm-Debug", ""));
        Assert.False(response.HasHeader("Set-Cookie", ""));
        Assert.False(response.HasHeader("Trailer", ""));
        Assert.False(response.HasHeader("X-Next-Page-Token", ""));
    }

    [Fact]
    public async Task ListedHeaders_StillReachTheClient_OnAMaskedRoute()
    {
        ServeLeakyHeaders(Crm, "/api/contacts");

        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, "GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.True(response.HasHeader("Content-Type", "application/json"));
        Assert.True(response.HasHeader("Cache-Control", "no-store"));
        Assert.True(response.HasHeader("Sforce-Limit-Info", "api-usage=25/15000"));
        Assert.True(response.HasHeader("X-RateLimit-Remaining", "99"));
        Assert.True(response.HasHeader("X-Request-Id", "crm-req-1"));
        Assert.True(response.HasHeader("Strict-Transport-Security", "max-age="));
    }

    [Fact]
    public async Task RouteMetadata_AddsHeadersForThatRouteOnly()
    {
        ServeLeakyHeaders(Crm, "/api/pages/contacts");

        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, "GET /api/pages/contacts HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.True(response.HasHeader("X-Next-Page-Token", "p2"));
        Assert.True(response.HasHeader("X-Crm-Limit-Daily", "5000"));
        Assert.False(response.HasHeader("X-Crm-Debug", ""));
    }

    [Fact]
    public async Task UnmaskedRoute_PassesTheCrmsHeaders()
    {
        ServeLeakyHeaders(Crm, "/other/contacts");

        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort, "GET /other/contacts HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.True(response.HasHeader("X-Crm-Debug", "SSN__c"));
    }

    [Fact]
    public async Task Trailers_AreNotPassedOnAMaskedRoute_ButAreElsewhere()
    {
        using var client = GatewayUnderTest.CreateClient(HttpVersion.Version20);

        var masked = await client.GetAsync(Gateway.Url("/api/trailers/contacts"));
        var maskedBody = await masked.Content.ReadAsStringAsync();
        var unmasked = await client.GetAsync(Gateway.Url("/other/trailers/contacts"));
        await unmasked.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, masked.StatusCode);
        Assert.DoesNotContain(Secret, maskedBody);
        Assert.Empty(masked.TrailingHeaders);
        Assert.False(masked.Headers.Contains("Trailer"));
        Assert.Equal(HttpStatusCode.OK, unmasked.StatusCode);
        Assert.Equal($"ssn={Secret}", unmasked.TrailingHeaders.GetValues("X-Crm-Checksum").Single());
    }

    /// <summary>A chunked JSON body ending with a trailer that repeats a personal value.</summary>
    internal static RawUpstream WithTrailers() => new(
        "HTTP/1.1 200 OK\nContent-Type: application/json\nTransfer-Encoding: chunked\nTrailer: X-Crm-Checksum",
        [.. RawUpstream.Chunk(Encoding.UTF8.GetBytes(Record)), .. Encoding.ASCII.GetBytes($"0\r\nX-Crm-Checksum: ssn={Secret}\r\n\r\n")]);
}

/// <summary>The SOC sees which headers a masked route held back: their names, never their values.</summary>
public sealed class DroppedHeadersAuditTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task DroppedHeaderAndTrailerNames_AreInTheAuditEvent_WithoutTheirValues()
    {
        using var crm = CrmStub.StartHttp();
        ResponseHeaderAllowListTests.ServeLeakyHeaders(crm, "/api/leaky");
        using var withTrailers = ResponseHeaderAllowListTests.WithTrailers();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .WithAudit(redis.Configuration).With("Gateway:Identity:Revocation:Enabled", "false")
            .With("ReverseProxy:Routes:crm:Order", "10")
            .With("ReverseProxy:Routes:trailers:ClusterId", "trailers")
            .With("ReverseProxy:Routes:trailers:Match:Path", "/api/trailers/{**rest}")
            .With("ReverseProxy:Clusters:trailers:Destinations:primary:Address", withTrailers.Url)
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient(HttpVersion.Version20);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(gateway.Url("/api/leaky"))).StatusCode);
        var trailed = await client.GetAsync(gateway.Url("/api/trailers/contacts"));
        await trailed.Content.ReadAsStringAsync();

        var events = await TestAudit.WaitForAsync(redis.Configuration, gateway.AuditStream!, 2);
        var leaky = events[0].Document.RootElement.GetProperty("unmapped").GetProperty("headers_dropped");
        var response = leaky.GetProperty("response").EnumerateArray().Select(n => n.GetString()).ToList();
        Assert.Contains("x-crm-debug", response);
        Assert.Contains("set-cookie", response);
        Assert.Contains("trailer", response);
        Assert.DoesNotContain("cache-control", response);
        Assert.DoesNotContain("sforce-limit-info", response);
        var trailers = events[1].Document.RootElement.GetProperty("unmapped").GetProperty("headers_dropped");
        Assert.Equal(["x-crm-checksum"], trailers.GetProperty("trailers").EnumerateArray().Select(n => n.GetString()));
        var text = string.Join('\n', events.Select(e => e.JsonText));
        Assert.DoesNotContain(ResponseHeaderAllowListTests.Secret, text);
        Assert.DoesNotContain("BrowserId", text);
    }
}
