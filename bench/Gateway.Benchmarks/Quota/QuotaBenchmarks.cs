using BenchmarkDotNet.Attributes;
using Gateway.Benchmarks.Audit;
using Gateway.Masking;
using Gateway.Quota;
using Gateway.Redis;
using Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Benchmarks.Quota;

/// <summary>
/// What the quota stage costs a request against a local redis-server: the check (one script:
/// requests counted, override read, what is left of each budget), alone and with the previous
/// response's records carried in the same script; and the same check while Redis is away with
/// <c>WhenRedisDown=local</c> (this instance's own windows). Budgets are large: nothing is refused.
/// </summary>
[MemoryDiagnoser]
public class QuotaBenchmarks
{
    private static readonly QuotaBudgets Budgets = new()
    {
        Requests = new QuotaBudget { Limit = long.MaxValue / 4, Window = TimeSpan.FromHours(1) },
        Records = new QuotaBudget { Limit = long.MaxValue / 4, Window = TimeSpan.FromHours(1) },
    };

    private readonly RecordFacts[] _page = [.. Enumerable.Range(0, 10).Select(_ => new RecordFacts(null, ConsentSignal.None, Classified: true, Single: false))];
    private LocalRedisServer _redis = null!;
    private RedisConnection _connection = null!;
    private QuotaChecker _shared = null!;
    private QuotaChecker _local = null!;
    private QuotaLimits _limits;

    [GlobalSetup]
    public void SetUp()
    {
        _redis = new LocalRedisServer();
        _connection = new RedisConnection(Options.Create(new RedisOptions { Configuration = _redis.Configuration }), NullLogger<RedisConnection>.Instance);
        _connection.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        _shared = Checker(_connection, "refuse");
        // A connection to a port nothing listens on: every check takes the local fallback at once.
        var away = new RedisConnection(Options.Create(new RedisOptions { Configuration = $"127.0.0.1:{Load.LoopbackPort.Next()},abortConnect=false" }), NullLogger<RedisConnection>.Instance);
        _local = Checker(away, "local");
        _limits = new QuotaLimits(Budgets.Requests, Budgets.Records, null);
        _shared.CheckAsync("warm-up", _limits).GetAwaiter().GetResult().End();
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _redis.Dispose();
    }

    /// <summary>A request whose response counted nothing (the budgets of requests and records checked).</summary>
    [Benchmark(Baseline = true)]
    public async Task Check()
    {
        var quota = await _shared.CheckAsync("principal-1", _limits);
        quota.End();
    }

    /// <summary>A request whose response hands out a page of 10 records: they are counted, and the next check carries them to Redis.</summary>
    [Benchmark]
    public async Task CheckAndCountPage()
    {
        var quota = await _shared.CheckAsync("principal-2", _limits);
        quota.Decide(_page, new RecordVerdict[_page.Length]);
        quota.End();
    }

    /// <summary>The same while Redis is away and <c>WhenRedisDown=local</c>.</summary>
    [Benchmark]
    public async Task CheckLocallyAndCountPage()
    {
        var quota = await _local.CheckAsync("principal-3", _limits);
        quota.Decide(_page, new RecordVerdict[_page.Length]);
        quota.End();
    }

    private static QuotaChecker Checker(RedisConnection connection, string whenRedisDown)
    {
        var options = Options.Create(new QuotaOptions { KeyPrefix = $"bench:{Guid.NewGuid():N}", WhenRedisDown = whenRedisDown, Roles = { ["support-agent"] = Budgets } });
        var metrics = new GatewayMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        return new QuotaChecker(new QuotaLedger(options), new RedisQuotaCounters(connection), options, TimeProvider.System, metrics, NullLogger<QuotaChecker>.Instance);
    }
}
