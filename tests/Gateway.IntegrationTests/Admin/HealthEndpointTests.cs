using System.Net;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Admin;

public sealed class HealthEndpointTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();

    [Fact]
    public async Task Readyz_RedisAndUpstreamReachable_Returns200()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).WithAudit(redis.Configuration).StartAsync();

        var ready = await gateway.PollReadyAsync(_client, HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Contains("\"name\":\"redis\",\"status\":\"Healthy\"", body);
        Assert.Contains("\"name\":\"upstream\",\"status\":\"Healthy\"", body);
    }

    [Fact]
    public async Task Healthz_IsAliveAndRunsNoChecks()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).WithAudit($"127.0.0.1:{FreePort.Next()}").StartAsync();

        var response = await _client.GetAsync(gateway.AdminUrl("/healthz"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"Healthy","checks":[]}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RedisUnreachable_GatewayStartsNotReadyAndFailsClosed_ThenServesWhenRedisArrives()
    {
        using var crm = CrmStub.StartHttp();
        var redisPort = FreePort.Next();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .WithAudit($"127.0.0.1:{redisPort},connectTimeout=500,connectRetry=1")
            .StartAsync();

        var notReady = await _client.GetAsync(gateway.AdminUrl("/readyz"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Contains("\"name\":\"redis\",\"status\":\"Unhealthy\"", await notReady.Content.ReadAsStringAsync());
        var withoutDenylist = await _client.GetAsync(gateway.Url("/api/contacts"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, withoutDenylist.StatusCode);
        Assert.Empty(crm.LogEntries);

        using var lateRedis = await RedisServerFixture.StartProcessAsync(redisPort);
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await gateway.PollReadyAsync(_client, HttpStatusCode.OK, TimeSpan.FromSeconds(30))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(gateway.Url("/api/contacts"))).StatusCode);
        }
        finally
        {
            lateRedis.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Readyz_UpstreamHostDoesNotResolve_Returns503()
    {
        await using var gateway = await GatewayUnderTest.For("https://crm.does-not-exist.invalid/").StartAsync();

        var response = await _client.GetAsync(gateway.AdminUrl("/readyz"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("crm/primary", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AdminPort_DoesNotProxy_AndProxyPortDoesNotServeHealth()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).StartAsync();

        var proxiedOnAdmin = await _client.GetAsync(gateway.AdminUrl("/api/contacts"));
        var healthOnProxy = await _client.GetAsync(gateway.Url("/healthz"));

        Assert.Equal(HttpStatusCode.NotFound, proxiedOnAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, healthOnProxy.StatusCode);
        Assert.Empty(crm.LogEntries);
    }
}
