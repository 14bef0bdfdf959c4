using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Gateway.Consent;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Masking;
using Gateway.Purpose;
using Gateway.Redis;
using Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Consent;

/// <summary>
/// Responses that need the same subjects' answers at the same moment share one store lookup,
/// against a real redis-server. A lookup is held in flight by pausing the server's clients, and
/// the store's HGET count tells how many lookups reached it.
/// </summary>
public sealed class ConsentLookupSharingTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const string Purpose = "marketing";
    private static readonly SubjectHash[] Subjects = [.. Enumerable.Range(1, 100).Select(i => new SubjectHash((UInt128)i))];
    private static readonly HashSet<SubjectHash> AllSubjects = [.. Subjects];
    private readonly string _keyPrefix = $"test:{Guid.NewGuid():N}";
    private ConnectionMultiplexer _admin = null!;

    public async Task InitializeAsync()
    {
        _admin = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var granted = new ConsentRecord(ConsentRecord.Granted, DateTimeOffset.UtcNow, "test");
        // Every other subject has consented; the rest have nothing stored.
        await new ConsentStore(_admin, _keyPrefix).SetManyAsync([.. Subjects.Where((_, i) => i % 2 == 0).Select(s => (s.ToString(), Purpose, granted))]);
    }

    public async Task DisposeAsync() => await _admin.DisposeAsync();

    [Fact]
    public async Task Responses_asking_for_the_same_subjects_while_a_lookup_is_under_way_share_it()
    {
        await using var consent = await StartLookupAsync(TimeSpan.FromSeconds(10));
        var answersBySource = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == consent.MeterFactory && instrument.Name == "gateway.consent.lookups")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            answersBySource.AddOrUpdate((string)tags.ToArray().Single(t => t.Key == "source").Value!, value, (_, sum) => sum + value));
        listener.Start();

        var (first, second) = await TwoLookupsWhileTheServerIsPausedAsync(consent, () => { });

        AssertAnswers(first);
        AssertAnswers(second);
        Assert.Equal(Subjects.Length, await StoreReadsAsync());
        Assert.All(Subjects, s => Assert.True(consent.Cache.TryGet(s, Purpose, out _)));
        Assert.Equal(Subjects.Length, answersBySource.GetValueOrDefault("store"));
        Assert.Equal(Subjects.Length, answersBySource.GetValueOrDefault("shared"));
    }

    [Fact]
    public async Task After_a_change_is_announced_a_response_does_not_share_a_lookup_sent_before_it()
    {
        await using var consent = await StartLookupAsync(TimeSpan.FromSeconds(10));

        // What the change channel's handler does with an announcement.
        var (first, second) = await TwoLookupsWhileTheServerIsPausedAsync(consent, () => consent.Cache.Evict(Subjects[7]));

        AssertAnswers(first);
        AssertAnswers(second);
        Assert.Equal(2 * Subjects.Length, await StoreReadsAsync());
    }

    [Fact]
    public async Task With_caching_off_every_response_asks_the_store_itself()
    {
        await using var consent = await StartLookupAsync(TimeSpan.Zero);

        var (first, second) = await TwoLookupsWhileTheServerIsPausedAsync(consent, () => { });

        AssertAnswers(first);
        AssertAnswers(second);
        Assert.Equal(2 * Subjects.Length, await StoreReadsAsync());
    }

    [Fact]
    public async Task A_response_that_shares_a_lookup_still_gives_up_after_its_own_timeout_and_the_late_answers_are_cached()
    {
        await using var consent = await StartLookupAsync(TimeSpan.FromSeconds(10), lookupTimeout: TimeSpan.FromMilliseconds(500));
        await ResetStoreReadsAsync();
        await PauseServerAsync(TimeSpan.FromMilliseconds(2000));
        var first = consent.Lookup.GetAsync(AllSubjects, Purpose, [], CancellationToken.None);
        var second = new Dictionary<SubjectHash, ConsentRecord?>();

        Assert.False(await consent.Lookup.GetAsync(AllSubjects, Purpose, second, CancellationToken.None));
        Assert.False(await first);
        Assert.Empty(second);

        // The paused lookup is answered in the end; what it stored answers a response asking afterwards, without a second read.
        await WaitUntilAsync(() => consent.Cache.TryGet(Subjects[^1], Purpose, out _));
        var third = new Dictionary<SubjectHash, ConsentRecord?>();
        Assert.True(await consent.Lookup.GetAsync(AllSubjects, Purpose, third, CancellationToken.None));
        AssertAnswers(third);
        Assert.Equal(Subjects.Length, await StoreReadsAsync());
    }

    [Fact]
    public async Task A_lookup_sent_longer_ago_than_the_lookup_timeout_is_not_shared()
    {
        var timeout = TimeSpan.FromMilliseconds(200);
        // The lookup timeout passes when the test says so: the server stays paused for longer than the test needs.
        var clock = new FakeClock();
        await using var consent = await StartLookupAsync(TimeSpan.FromSeconds(10), lookupTimeout: timeout, clock);
        await ResetStoreReadsAsync();
        await PauseServerAsync(TimeSpan.FromMilliseconds(1000));
        // The clock moves on once the lookup waits for the store's answer, bounded by the timeout.
        var waiting = clock.WaitingForAsync(timeout);
        var first = consent.Lookup.GetAsync(AllSubjects, Purpose, [], CancellationToken.None);
        await waiting;
        clock.Advance(timeout);
        Assert.False(await first);

        // The first lookup is still under way (the server is paused), but past the timeout: as if stuck on a lost connection.
        waiting = clock.WaitingForAsync(timeout);
        var second = consent.Lookup.GetAsync(AllSubjects, Purpose, [], CancellationToken.None);
        await waiting;
        clock.Advance(timeout);
        Assert.False(await second);

        await WaitUntilAsync(async () => await StoreReadsAsync() >= 2 * Subjects.Length);
        Assert.Equal(2 * Subjects.Length, await StoreReadsAsync());
    }

    /// <summary>
    /// Sends a first lookup while the server is paused, so it stays under way; runs <paramref name="between"/>;
    /// then a second lookup of the same subjects. Returns both responses' answers.
    /// </summary>
    private async Task<(Dictionary<SubjectHash, ConsentRecord?> First, Dictionary<SubjectHash, ConsentRecord?> Second)> TwoLookupsWhileTheServerIsPausedAsync(ConsentUnderTest consent, Action between)
    {
        await ResetStoreReadsAsync();
        await PauseServerAsync(TimeSpan.FromMilliseconds(800));
        var first = new Dictionary<SubjectHash, ConsentRecord?>();
        var second = new Dictionary<SubjectHash, ConsentRecord?>();
        var firstAnswered = consent.Lookup.GetAsync(AllSubjects, Purpose, first, CancellationToken.None);
        Assert.False(firstAnswered.IsCompleted);
        between();
        var secondAnswered = consent.Lookup.GetAsync(AllSubjects, Purpose, second, CancellationToken.None);
        Assert.True(await firstAnswered);
        Assert.True(await secondAnswered);
        return (first, second);
    }

    private static void AssertAnswers(Dictionary<SubjectHash, ConsentRecord?> answers)
    {
        Assert.Equal(Subjects.Length, answers.Count);
        for (var i = 0; i < Subjects.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? ConsentRecord.Granted : null, answers[Subjects[i]]?.Status);
        }
    }

    private async Task<ConsentUnderTest> StartLookupAsync(TimeSpan cacheTtl, TimeSpan? lookupTimeout = null, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var options = Options.Create(new ConsentOptions { KeyPrefix = _keyPrefix, CacheTtl = cacheTtl, LookupTimeout = lookupTimeout ?? TimeSpan.FromSeconds(5) });
        var purposes = Options.Create(new PurposeOptions { Catalog = { [Purpose] = new PurposeDefinition { Basis = "consent" } } });
        var meterFactory = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var metrics = new GatewayMetrics(meterFactory);
        var connection = new RedisConnection(Options.Create(new RedisOptions { Configuration = redis.Configuration }), NullLogger<RedisConnection>.Instance);
        var cache = new ConsentCache(options, purposes, time);
        var lookup = new ConsentLookup(connection, cache, options, metrics, time, NullLogger<ConsentLookup>.Instance);
        await lookup.StartAsync(CancellationToken.None);
        // Subscribed to change announcements, so answers may be cached (when caching is on).
        await WaitUntilAsync(() => cacheTtl == TimeSpan.Zero || cache.MayStore(cache.Generation));
        await lookup.StoreAsync();
        return new ConsentUnderTest(connection, cache, lookup, meterFactory);
    }

    private async Task PauseServerAsync(TimeSpan pause) =>
        await _admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", ((long)pause.TotalMilliseconds).ToString(), "ALL");

    private async Task ResetStoreReadsAsync() => await _admin.GetDatabase().ExecuteAsync("CONFIG", "RESETSTAT");

    private async Task<int> StoreReadsAsync()
    {
        var stats = (string)(await _admin.GetDatabase().ExecuteAsync("INFO", "commandstats"))!;
        var line = stats.Split("\r\n").FirstOrDefault(l => l.StartsWith("cmdstat_hget:", StringComparison.Ordinal));
        return line is null ? 0 : int.Parse(line.Split("calls=")[1].Split(',')[0]);
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static Task WaitUntilAsync(Func<Task<bool>> condition) => Eventually.UntilAsync(condition, "The condition did not come true");

    private sealed record ConsentUnderTest(RedisConnection Connection, ConsentCache Cache, ConsentLookup Lookup, IMeterFactory MeterFactory) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Lookup.StopAsync(CancellationToken.None);
            Lookup.Dispose();
            await Connection.DisposeAsync();
        }
    }
}
