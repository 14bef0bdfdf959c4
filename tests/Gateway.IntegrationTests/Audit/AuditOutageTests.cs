using System.Diagnostics;
using System.Net;
using Gateway.Audit;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Audit;

/// <summary>Nothing is lost: not while Redis is down, not when the gateway is killed with events in its spool.</summary>
public sealed class AuditOutageTests : IDisposable
{
    private readonly string _redisData = Directory.CreateTempSubdirectory("audit-redis-").FullName;
    private readonly int _redisPort = FreePort.Next();
    private Process? _redis;

    private string RedisConfiguration => $"127.0.0.1:{_redisPort}";

    [Fact]
    public async Task RedisStoppedDuringTraffic_EveryEventArrives_WithoutAGap()
    {
        const int Requests = 5000;
        _redis = await RedisServerFixture.StartProcessAsync(_redisPort, _redisData);
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .WithAudit(RedisConfiguration)
            .With("Gateway:Identity:Revocation:Enabled", "false")
            .With("Gateway:Audit:SendTimeout", "00:00:01")
            .WithCapturedLog(out var log)
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        var answered = 0;

        var traffic = Parallel.ForEachAsync(Enumerable.Range(0, Requests), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
        {
            using var response = await client.GetAsync(gateway.Url("/api/contacts"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Interlocked.Increment(ref answered);
        });
        await Eventually.UntilAsync(() => Volatile.Read(ref answered) >= Requests / 5, "too few requests were answered before the outage", TimeSpan.FromSeconds(30));
        StopRedis();
        var stoppedAt = Volatile.Read(ref answered);
        // The outage lasts until the gateway has found Redis gone (its audit pump says so) and has
        // spooled a backlog of requests served meanwhile, not a fixed time: if it cannot serve them,
        // the wait runs out and the assertion below says so.
        await Eventually.HoldsWithinAsync(
            () => Volatile.Read(ref answered) - stoppedAt >= 1000 && log.Has(entry => entry.Contains("Redis does not take audit events", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30));
        var duringOutage = Volatile.Read(ref answered) - stoppedAt;
        _redis = await RedisServerFixture.StartProcessAsync(_redisPort, _redisData);
        await traffic;

        var events = await TestAudit.WaitForDistinctAsync(RedisConfiguration, gateway.AuditStream!, Requests, TimeSpan.FromSeconds(60));
        Assert.True(duringOutage > 100, $"only {duringOutage} requests were served while Redis was down");
        AssertComplete(events, Requests);
    }

    /// <summary>
    /// The kill is a crash under Durability=queued, so besides every event the restart begins with a
    /// restart event, after the numbers the killed process had reserved, and verify reports that gap.
    /// </summary>
    [Fact]
    public async Task GatewayKilledWithEventsInItsSpool_RestartSendsThemAll()
    {
        using var crm = CrmStub.StartHttp();
        await using var settings = GatewayUnderTest.For(crm.Url!)
            .WithAudit(RedisConfiguration)
            .With("Gateway:Identity:Revocation:Enabled", "false");
        using var client = GatewayUnderTest.CreateClient();

        using (var first = await GatewayProcess.StartAsync(settings))
        {
            await Task.WhenAll(Enumerable.Range(0, 300).Select(_ => client.GetAsync(settings.Url("/api/contacts"))));
            await WaitForSpooledLinesAsync(settings.AuditSpoolDirectory!, 300);
            first.Kill();
        }
        _redis = await RedisServerFixture.StartProcessAsync(_redisPort, _redisData);
        using var second = await GatewayProcess.StartAsync(settings);
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.GetAsync(settings.Url("/api/contacts"))));

        var events = await TestAudit.WaitForDistinctAsync(RedisConfiguration, settings.AuditStream!, 311, TimeSpan.FromSeconds(30));
        var requests = events.Where(e => e.Document.RootElement.GetProperty("unmapped").GetProperty("event_kind").GetString() == "request").ToList();
        Assert.Equal(310, requests.DistinctBy(e => e.EventId).Count());
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), requests.Select(e => e.Sequence!.Value).Distinct().Order().Take(300));
        var verifier = Verify(events);
        Assert.Equal(0, verifier.Duplicates);
        Assert.Equal(1, verifier.Restarts);
        var gap = Assert.Single(verifier.Gaps);
        Assert.Equal((301L, AuditSequence.BlockSize, GapKind.UnwrittenAtCrash, "queued"), (gap.First, gap.Last, gap.Kind, gap.PreviousDurability));
        Assert.Equal(AuditChainVerifier.Describe(gap), Assert.Single(verifier.Breaks).Problem);
    }

    public void Dispose()
    {
        StopRedis();
        Directory.Delete(_redisData, recursive: true);
    }

    /// <summary>Every event exactly once by id, sequence numbers 1..n of one instance, and an unbroken chain.</summary>
    private static void AssertComplete(List<AuditRecord> events, int expected)
    {
        var distinct = events.DistinctBy(e => e.EventId).ToList();
        Assert.Equal(expected, distinct.Count);
        Assert.Single(distinct.Select(e => e.Instance).Distinct());
        Assert.Equal(Enumerable.Range(1, expected).Select(i => (long)i), distinct.Select(e => e.Sequence!.Value).Order());
        var verifier = Verify(events);
        Assert.Empty(verifier.Breaks);
        Assert.Equal(events.Count - expected, verifier.Duplicates);
    }

    private static AuditChainVerifier Verify(List<AuditRecord> events)
    {
        var verifier = new AuditChainVerifier(TestAudit.Keys);
        foreach (var record in events)
        {
            verifier.Check(record.EntryId, record);
        }
        return verifier;
    }

    private static Task WaitForSpooledLinesAsync(string spoolDirectory, int lines) => Eventually.UntilAsync(
        () => Directory.GetFiles(spoolDirectory, "*.spool").Sum(f => File.ReadAllBytes(f).Count(b => b == (byte)'\n')) >= lines,
        "the events never reached the spool",
        TimeSpan.FromSeconds(15));

    private void StopRedis()
    {
        RedisServerFixture.Stop(_redis);
        _redis = null;
    }
}
