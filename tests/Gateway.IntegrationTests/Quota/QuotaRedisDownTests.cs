using System.Diagnostics;
using System.Net;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WireMock.Server;
using static Gateway.IntegrationTests.Quota.QuotaSetup;

namespace Gateway.IntegrationTests.Quota;

/// <summary>
/// Quotas while Redis does not answer (a real redis-server killed, then started again on its port):
/// <c>WhenRedisDown=refuse</c> refuses with 503, <c>local</c> enforces this instance's share of each
/// budget in windows by the gateway's clock, and its counts reach Redis once it answers; neither lets
/// a request through unlimited.
/// </summary>
public sealed class QuotaRedisDownTests : IAsyncLifetime
{
    private readonly int _port = FreePort.Next();
    private readonly string _prefix = $"quota:{Guid.NewGuid():N}";
    private readonly string _principal = $"user-{Guid.NewGuid():N}";
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();
    private readonly WireMockServer _crm = StartCrm();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private Process? _redis;
    private GatewayUnderTest? _gateway;

    private string RedisConfiguration => $"127.0.0.1:{_port}";

    public async Task InitializeAsync() => _redis = await RedisServerFixture.StartProcessAsync(_port);

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        RedisServerFixture.Stop(_redis);
        _client.Dispose();
        _crm.Stop();
    }

    [Fact]
    public async Task Refuse_Is503QuotaUnavailable_UntilRedisAnswersAgain()
    {
        var gateway = await StartAsync(("Gateway:Quota:WhenRedisDown", "refuse"),
            ("Gateway:Quota:Default:Requests:Limit", "100"), ("Gateway:Quota:Default:Requests:Window", "01:00:00"));
        var token = Token(_principal);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_client, gateway, token)).StatusCode);

        StopRedis();
        var refused = await GetAsync(_client, gateway, token);

        var (status, code, retryAfter) = await RefusalAsync(refused);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("quota_unavailable", code);
        Assert.Null(retryAfter);
        Assert.Empty(_crm.LogEntries.Skip(1));

        _redis = await RedisServerFixture.StartProcessAsync(_port);
        Assert.Equal(HttpStatusCode.OK, await PollStatusAsync(gateway, token, HttpStatusCode.OK));
    }

    [Fact]
    public async Task Local_EnforcesThisInstancesShare_ByTheGatewaysClock_AndAuditsItAsLocal()
    {
        // Budgets of 10 requests and 30 records shared by 2 instances: 5 and 15 each while Redis is away.
        var gateway = await StartAsync(("Gateway:Quota:WhenRedisDown", "local"), ("Gateway:Quota:LocalInstances", "2"),
            ("Gateway:Quota:Roles:support-agent:Requests:Limit", "10"), ("Gateway:Quota:Roles:support-agent:Requests:Window", "01:00:00"),
            ("Gateway:Quota:Roles:support-agent:Records:Limit", "30"), ("Gateway:Quota:Roles:support-agent:Records:Window", "01:00:00"));
        // The test moves the gateway's clock by an hour: the token outlives that.
        var token = TestIdentityProvider.Shared.Mint(spec =>
        {
            spec.Claims["sub"] = _principal;
            spec.Claims["roles"] = new[] { "crm-support" };
            spec.Expires = TimeSpan.FromHours(3);
        });
        StopRedis();

        Assert.Equal(10, (await IdsAsync(await GetAsync(_client, gateway, token))).Count);
        Assert.Equal(5, (await IdsAsync(await GetAsync(_client, gateway, token))).Count);
        var (status, code, retryAfter) = await RefusalAsync(await GetAsync(_client, gateway, token));
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("quota_records_exceeded", code);
        Assert.Equal(3600, retryAfter);

        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal("quota_records_exceeded", (await RefusalAsync(await GetAsync(_client, gateway, token))).Code);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(10, (await IdsAsync(await GetAsync(_client, gateway, token))).Count);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(_client, gateway, token, "/api/contacts/c-1")).StatusCode);
        }
        (status, code, retryAfter) = await RefusalAsync(await GetAsync(_client, gateway, token, "/api/contacts/c-1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("quota_requests_exceeded", code);
        Assert.Equal(3600, retryAfter);

        // The spooled audit events reach the stream once Redis is back: the checks were this instance's own.
        _redis = await RedisServerFixture.StartProcessAsync(_port);
        var events = await TestAudit.WaitForAsync(RedisConfiguration, gateway.AuditStream!, 10);
        var served = events[0].Document.RootElement.GetProperty("unmapped").GetProperty("quota");
        Assert.Equal("local", served.GetProperty("source").GetString());
        Assert.Equal(15, served.GetProperty("records").GetProperty("limit").GetInt64());
        Assert.Equal(5, served.GetProperty("requests").GetProperty("limit").GetInt64());
        events.ForEach(e => e.Dispose());

        // The records handed out meanwhile (15 + 14) reach the shared budget with the next flush.
        await using var shared = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(RedisConfiguration);
        var records = await Eventually.ValueAsync(async () =>
        {
            // The flusher runs on the fake clock: move it on by one flush interval per look.
            _time.Advance(TimeSpan.FromMilliseconds(200));
            return await CounterAsync(shared.GetDatabase(), _prefix, _principal, "records");
        }, value => value == 29, TimeSpan.FromSeconds(15));
        Assert.Equal(29, records);
    }

    private void StopRedis()
    {
        RedisServerFixture.Stop(_redis);
        _redis = null;
    }

    private async Task<GatewayUnderTest> StartAsync(params (string Key, string Value)[] settings)
    {
        var gateway = QuotaGateway(_crm.Url!, RedisConfiguration, _prefix).WithServices(services => services.AddSingleton<TimeProvider>(_time));
        foreach (var (key, value) in settings)
        {
            gateway.With(key, value);
        }
        _gateway = await gateway.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await gateway.PollReadyAsync(_client, HttpStatusCode.OK)).StatusCode);
        return gateway;
    }

    private Task<HttpStatusCode> PollStatusAsync(GatewayUnderTest gateway, string token, HttpStatusCode expected) =>
        Eventually.ValueAsync(async () => (await GetAsync(_client, gateway, token)).StatusCode, status => status == expected, TimeSpan.FromSeconds(15));
}
