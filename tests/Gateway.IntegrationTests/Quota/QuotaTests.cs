using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Audit;
using Gateway.ControlPlane;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using WireMock.Server;
using static Gateway.IntegrationTests.Quota.QuotaSetup;

namespace Gateway.IntegrationTests.Quota;

/// <summary>Budgets shared by two gateway instances through a real redis-server, against a WireMock CRM of ten contacts.</summary>
public sealed class QuotaTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private readonly string _prefix = $"quota:{Guid.NewGuid():N}";
    private readonly string _principal = $"user-{Guid.NewGuid():N}";
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();
    private readonly WireMockServer _crm = StartCrm();
    private readonly List<GatewayUnderTest> _gateways = [];
    private ConnectionMultiplexer _redis = null!;

    private IDatabase Redis => _redis.GetDatabase();

    public async Task InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);

    public async Task DisposeAsync()
    {
        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }
        await _redis.DisposeAsync();
        _client.Dispose();
        _crm.Stop();
    }

    [Fact]
    public async Task Records_TwoInstancesShareOneBudget_TheResponseThatCrossesItIsCutAtTheBudget_ThenRefused()
    {
        var (first, second) = await StartTwoAsync(("Gateway:Quota:Roles:support-agent:Records:Limit", "25"), ("Gateway:Quota:Roles:support-agent:Records:Window", "01:00:00"));
        var token = Token(_principal);

        Assert.Equal(10, (await IdsAsync(await GetAsync(_client, first, token))).Count);
        Assert.Equal(10, await WaitForCounterAsync(Redis, _prefix, _principal, "records", 10));
        Assert.Equal(10, (await IdsAsync(await GetAsync(_client, second, token))).Count);
        Assert.Equal(20, await WaitForCounterAsync(Redis, _prefix, _principal, "records", 20));

        var crossing = await GetAsync(_client, first, token);
        var body = JsonNode.Parse(await crossing.Content.ReadAsStringAsync())!;
        Assert.Equal(["c-1", "c-2", "c-3", "c-4", "c-5"], body["data"]!.AsArray().Select(r => (string)r!["id"]!));
        Assert.Equal(5, (int)body["paging"]!["total"]!);
        Assert.Equal(25, await WaitForCounterAsync(Redis, _prefix, _principal, "records", 25));

        foreach (var gateway in new[] { second, first })
        {
            var (status, code, retryAfter) = await RefusalAsync(await GetAsync(_client, gateway, token));
            Assert.Equal(HttpStatusCode.TooManyRequests, status);
            Assert.Equal("quota_records_exceeded", code);
            Assert.InRange(retryAfter!.Value, 3590, 3600);
        }
        Assert.Equal(25, await CounterAsync(Redis, _prefix, _principal, "records"));
        Assert.Equal(10, (await IdsAsync(await GetAsync(_client, first, Token($"{_principal}-other")))).Count);
    }

    [Fact]
    public async Task Requests_TwoInstancesShareOneBudget_ExactlyWithoutWaiting()
    {
        var (first, second) = await StartTwoAsync(("Gateway:Quota:Default:Requests:Limit", "3"), ("Gateway:Quota:Default:Requests:Window", "00:10:00"));
        var token = Token(_principal);

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_client, first, token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_client, second, token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_client, first, token)).StatusCode);
        var (status, code, retryAfter) = await RefusalAsync(await GetAsync(_client, second, token));

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("quota_requests_exceeded", code);
        Assert.InRange(retryAfter!.Value, 590, 600);
        // A refused request is not counted: the budget frees when the window ends, not later.
        Assert.Equal(3, await CounterAsync(Redis, _prefix, _principal, "requests"));
    }

    [Fact]
    public async Task WindowEnd_GivesTheBudgetBack()
    {
        var (first, _) = await StartTwoAsync(("Gateway:Quota:Default:Requests:Limit", "1"), ("Gateway:Quota:Default:Requests:Window", "01:00:00"));
        var token = Token(_principal);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_client, first, token)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(_client, first, token)).StatusCode);

        // The window is the counter's lifetime in Redis: end it now rather than in an hour.
        await Redis.KeyExpireAsync($"{QuotaOverrideStore.PrincipalKey(_prefix, _principal)}:requests", TimeSpan.FromMilliseconds(1));
        var status = await Eventually.ValueAsync(async () => (await GetAsync(_client, first, token)).StatusCode, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(5));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(_client, first, token)).StatusCode);
    }

    [Fact]
    public async Task Override_TightensTheNextRequest_OnEveryInstance_AndReleaseLiftsIt()
    {
        var (first, second) = await StartTwoAsync(("Gateway:Quota:Default:Requests:Limit", "10"), ("Gateway:Quota:Default:Requests:Window", "01:00:00"));
        var token = Token(_principal);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_client, first, token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_client, second, token)).StatusCode);
        var overrides = new QuotaOverrideStore(_redis, _prefix);

        await overrides.TightenAsync(_principal, 0.2, TimeSpan.FromMinutes(30), "score 91: bulk read", "detector", DateTimeOffset.UtcNow);

        Assert.Equal("quota_requests_exceeded", (await RefusalAsync(await GetAsync(_client, first, token))).Code);
        Assert.Equal("quota_requests_exceeded", (await RefusalAsync(await GetAsync(_client, second, token))).Code);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_client, first, Token($"{_principal}-other"))).StatusCode);

        Assert.True(await overrides.ReleaseAsync(_principal));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_client, second, token)).StatusCode);
    }

    [Fact]
    public async Task ClearValues_RecordsPastTheBudgetLeaveRedacted_ThenRefused_AndAudited()
    {
        var (first, _) = await StartTwoAsync(("Gateway:Quota:Roles:reader:ClearValues:Limit", "3"), ("Gateway:Quota:Roles:reader:ClearValues:Window", "01:00:00"));
        var token = Token(_principal, role: "crm.read");

        var response = await GetAsync(_client, first, token);
        var records = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!.AsArray();

        Assert.Equal(10, records.Count);
        Assert.Equal(["900-00-0001", "900-00-0002", "900-00-0003"], records.Take(3).Select(r => (string)r!["ssn"]!));
        Assert.All(records.Skip(3), r => Assert.Equal("[REDACTED]", (string)r!["ssn"]!));
        Assert.All(records.Skip(3), r => Assert.Equal("[REDACTED]", (string)r!["email"]!));
        Assert.Equal(3, await WaitForCounterAsync(Redis, _prefix, _principal, "clear", 3));
        var (status, code, _) = await RefusalAsync(await GetAsync(_client, first, token));
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("quota_clear_values_exceeded", code);

        var events = await TestAudit.WaitForAsync(redis.Configuration, first.AuditStream!, 2);
        var served = Unmapped(events[0]);
        Assert.Equal(3, served.GetProperty("quota").GetProperty("clear_values_counted").GetInt64());
        Assert.Equal(7, served.GetProperty("quota").GetProperty("records_masked").GetInt64());
        Assert.Equal(10, served.GetProperty("masking").GetProperty("clear_high_values").GetInt32());
        var refused = Unmapped(events[1]);
        Assert.Equal("quota", refused.GetProperty("denied_by").GetString());
        Assert.Equal(3, refused.GetProperty("quota").GetProperty("clear_values").GetProperty("used").GetInt64());
        Assert.Equal(3, refused.GetProperty("quota").GetProperty("clear_values").GetProperty("limit").GetInt64());
        events.ForEach(e => e.Dispose());
    }

    [Fact]
    public async Task Audit_TheCrossingResponseNamesWhatItWithheld_TheRefusalItsReasonAndState()
    {
        var (first, _) = await StartTwoAsync(("Gateway:Quota:Roles:support-agent:Records:Limit", "4"), ("Gateway:Quota:Roles:support-agent:Records:Window", "01:00:00"));
        var token = Token(_principal);

        Assert.Equal(4, (await IdsAsync(await GetAsync(_client, first, token))).Count);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(_client, first, token)).StatusCode);

        var events = await TestAudit.WaitForAsync(redis.Configuration, first.AuditStream!, 2);
        var crossing = events[0].Document.RootElement;
        Assert.Equal("Modified", crossing.GetProperty("action").GetString());
        var quota = crossing.GetProperty("unmapped").GetProperty("quota");
        Assert.Equal("redis", quota.GetProperty("source").GetString());
        Assert.Equal(4, quota.GetProperty("records_counted").GetInt64());
        Assert.Equal(6, quota.GetProperty("records_withheld").GetInt64());
        Assert.Equal(0, quota.GetProperty("records").GetProperty("used").GetInt64());
        var refused = events[1].Document.RootElement;
        Assert.Equal(429, refused.GetProperty("http_response").GetProperty("code").GetInt32());
        Assert.Equal("quota_records_exceeded", refused.GetProperty("status_detail").GetString());
        Assert.Equal(4, refused.GetProperty("unmapped").GetProperty("quota").GetProperty("records").GetProperty("used").GetInt64());
        events.ForEach(e => e.Dispose());
    }

    /// <summary>
    /// A single record is held whole until its verdict. One whose request was checked while the
    /// budget still had room, but whose turn came after another response of the same principal
    /// spent it, is refused: nothing of it is sent.
    /// </summary>
    [Fact]
    public async Task SingleRecord_WhoseBudgetAResponseAlongsideSpent_Is429_NotSent()
    {
        using var arrived = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        _crm.Given(WireMock.RequestBuilders.Request.Create().WithPath("/api/contacts/c-2").UsingGet())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithHeader("Content-Type", "application/json").WithBody(_ =>
            {
                // The CRM answers only once the list below has been served.
                arrived.Set();
                release.Wait(TimeSpan.FromSeconds(10));
                return Contact(2);
            }));
        var (first, _) = await StartTwoAsync(("Gateway:Quota:Roles:support-agent:Records:Limit", "10"), ("Gateway:Quota:Roles:support-agent:Records:Window", "01:00:00"));
        var token = Token(_principal);

        var single = GetAsync(_client, first, token, "/api/contacts/c-2");
        Assert.True(arrived.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(10, (await IdsAsync(await GetAsync(_client, first, token))).Count);
        release.Set();
        var response = await single;

        var (status, code, retryAfter) = await RefusalAsync(response);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("quota_records_exceeded", code);
        Assert.InRange(retryAfter!.Value, 3590, 3600);
        Assert.DoesNotContain("c-2", await response.Content.ReadAsStringAsync());
        Assert.Equal(10, await WaitForCounterAsync(Redis, _prefix, _principal, "records", 10));
    }

    [Fact]
    public async Task PassThroughFormat_IsRefusedToACallerWhoseRecordsAreLimited_OnlyToThem()
    {
        _crm.Given(WireMock.RequestBuilders.Request.Create().WithPath("/api/contacts/export").UsingGet())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithHeader("Content-Type", "text/csv").WithBody("id,ssn\nc-1,900-00-0001\n"));
        var (first, _) = await StartTwoAsync(("Gateway:Quota:Roles:support-agent:Records:Limit", "100"), ("Gateway:Quota:Roles:support-agent:Records:Window", "01:00:00"),
            ("ReverseProxy:Routes:crm:Metadata:MaskingPassThrough", "text/csv"));

        var refused = await GetAsync(_client, first, Token(_principal), "/api/contacts/export");
        var (status, code, retryAfter) = await RefusalAsync(refused);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("quota_not_countable", code);
        Assert.Null(retryAfter);

        var unlimited = await GetAsync(_client, first, Token($"{_principal}-reader", role: "crm.read"), "/api/contacts/export");
        Assert.Equal(HttpStatusCode.OK, unlimited.StatusCode);
        Assert.StartsWith("id,ssn", await unlimited.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CountsOfAnInstanceThatStops_ReachRedisOnce_AndTheOtherInstanceSeesThem()
    {
        var (first, second) = await StartTwoAsync(("Gateway:Quota:Roles:support-agent:Records:Limit", "15"), ("Gateway:Quota:Roles:support-agent:Records:Window", "01:00:00"),
            ("Gateway:Quota:FlushInterval", "00:00:10"));
        var token = Token(_principal);
        Assert.Equal(10, (await IdsAsync(await GetAsync(_client, first, token))).Count);
        Assert.Equal(0, await CounterAsync(Redis, _prefix, _principal, "records"));

        await first.DisposeAsync();
        _gateways.Remove(first);

        Assert.Equal(10, await CounterAsync(Redis, _prefix, _principal, "records"));
        Assert.Equal(5, (await IdsAsync(await GetAsync(_client, second, token))).Count);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(_client, second, token)).StatusCode);
        Assert.Equal(15, await CounterAsync(Redis, _prefix, _principal, "records"));
    }

    [Fact]
    public async Task Flush_ABatchSentAgainAfterATimeoutThatArrivedAfterAll_IsAddedOnce()
    {
        var (first, _) = await StartTwoAsync(("Gateway:Quota:Roles:support-agent:Records:Limit", "100"), ("Gateway:Quota:Roles:support-agent:Records:Window", "01:00:00"));
        var counters = first.Services.GetRequiredService<Gateway.Quota.RedisQuotaCounters>();
        var keys = Gateway.Quota.RedisQuotaCounters.KeysOf(_prefix, _principal);
        var limits = first.Services.GetRequiredService<Gateway.Quota.QuotaPolicy>().For(
            new Gateway.Identity.GatewayIdentity("i", _principal, null, null, new HashSet<string> { "support-agent" }, false, DateTimeOffset.UnixEpoch));
        var batch = new Gateway.Quota.CountBatch(1, 7, 0);

        await counters.AddAsync(keys, batch, limits, TimeSpan.FromSeconds(5));
        await counters.AddAsync(keys, batch, limits, TimeSpan.FromSeconds(5));
        var check = await counters.CheckAsync(keys, batch, limits, TimeSpan.FromSeconds(5));

        Assert.Equal(7, check.Records.Used);
        await counters.AddAsync(keys, batch with { Sequence = 2 }, limits, TimeSpan.FromSeconds(5));
        Assert.Equal(14, await CounterAsync(Redis, _prefix, _principal, "records"));
    }

    /// <summary>Item 5 of the issue: the quota check adds at most one Redis round trip per request.</summary>
    [Fact]
    public async Task EachRequest_CostsOneScriptInRedis_CountsIncluded()
    {
        var (first, _) = await StartTwoAsync(
            ("Gateway:Quota:Roles:support-agent:Records:Limit", "100000"), ("Gateway:Quota:Roles:support-agent:Records:Window", "01:00:00"),
            ("Gateway:Quota:Roles:support-agent:Requests:Limit", "100000"), ("Gateway:Quota:Roles:support-agent:Requests:Window", "01:00:00"),
            ("Gateway:Audit:Enabled", "false"), ("Gateway:Quota:FlushInterval", "00:00:10"));
        var token = Token(_principal);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_client, first, token)).StatusCode);
        const int Requests = 50;
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        await server.ExecuteAsync("CONFIG", "RESETSTAT");

        for (var i = 0; i < Requests; i++)
        {
            Assert.Equal(10, (await IdsAsync(await GetAsync(_client, first, token))).Count);
        }

        var stats = (await server.InfoAsync("commandstats")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        long Calls(string command) => stats.TryGetValue($"cmdstat_{command}", out var value) ? long.Parse(value.Split(',')[0]["calls=".Length..]) : 0;
        Assert.Equal(Requests, Calls("evalsha") + Calls("eval"));
        Assert.Equal(0, Calls("eval"));
        // Every response's records were carried by the next request's script, none by a flush of its own.
        Assert.Equal(10 * Requests, await CounterAsync(Redis, _prefix, _principal, "records"));
    }

    private static JsonElement Unmapped(AuditRecord record) => record.Document.RootElement.GetProperty("unmapped");

    private async Task<(GatewayUnderTest First, GatewayUnderTest Second)> StartTwoAsync(params (string Key, string Value)[] settings)
    {
        var started = new List<GatewayUnderTest>();
        for (var i = 0; i < 2; i++)
        {
            var gateway = QuotaGateway(_crm.Url!, redis.Configuration, _prefix);
            foreach (var (key, value) in settings)
            {
                gateway.With(key, value);
            }
            _gateways.Add(await gateway.StartAsync());
            started.Add(gateway);
        }
        foreach (var gateway in started)
        {
            Assert.Equal(HttpStatusCode.OK, (await gateway.PollReadyAsync(_client, HttpStatusCode.OK)).StatusCode);
        }
        return (started[0], started[1]);
    }
}
