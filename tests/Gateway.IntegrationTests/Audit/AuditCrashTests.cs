using System.Collections.Concurrent;
using System.Net;
using Gateway.Audit;
using Gateway.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests.Audit;

/// <summary>
/// The gateway as a process of its own, killed (SIGKILL) twice while clients keep it busy, then
/// started again on the same spool; the stream is then checked with the real verifier. Each request
/// has a path of its own, so its event can be found. A response counts as answered only if the
/// client got all of it. With Durability spooled or stream every answered request has its event;
/// with queued, events may be lost, and each kill shows as a break that verify reports. Whatever the
/// setting, no event is in the stream twice, although every restart sends again what Redis took
/// after the spool's checkpoint was last written.
/// </summary>
public sealed class AuditCrashTests(RedisServerFixture redis, ITestOutputHelper output) : IClassFixture<RedisServerFixture>
{
    private const int Kills = 2;
    private const int AnsweredBeforeEachKill = 150;
    private const int Clients = 12;

    [Theory]
    [InlineData("spooled")]
    [InlineData("stream")]
    public async Task KilledDuringTraffic_EveryAnsweredRequestHasItsEvent_Once(string durability)
    {
        var run = await RunWithKillsAsync(durability);

        Assert.Empty(run.AnsweredWithoutEvent);
        Assert.Empty(run.Verifier.Breaks);
        Assert.Equal(Kills, run.Verifier.Restarts);
        Assert.All(run.Verifier.Gaps, gap => Assert.Equal((GapKind.UnwrittenAtCrash, durability, false), (gap.Kind, gap.PreviousDurability, gap.IsBreak)));
        AssertEachEventOnce(run);
    }

    [Fact]
    public async Task KilledDuringTraffic_WithDurabilityQueued_EveryKillIsAReportedBreak_CoveringAnyLoss()
    {
        var run = await RunWithKillsAsync("queued");

        Assert.Equal(Kills, run.Verifier.Restarts);
        Assert.Equal(Kills, run.Verifier.Breaks.Count);
        Assert.All(run.Verifier.Gaps, gap => Assert.Equal((GapKind.UnwrittenAtCrash, "queued", true), (gap.Kind, gap.PreviousDurability, gap.IsBreak)));
        Assert.InRange(run.AnsweredWithoutEvent.Count, 0, run.Verifier.Gaps.Sum(gap => gap.Count));
        AssertEachEventOnce(run);
    }

    private async Task<CrashRun> RunWithKillsAsync(string durability)
    {
        using var crm = CrmStub.StartHttp();
        await using var settings = GatewayUnderTest.For(crm.Url!)
            .WithAudit(redis.Configuration)
            .With("Gateway:Identity:Revocation:Enabled", "false")
            .With("Gateway:Audit:Durability", durability);
        using var client = GatewayUnderTest.CreateClient(configure: handler => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5));
        var answered = new ConcurrentQueue<string>();
        for (var kill = 0; kill < Kills; kill++)
        {
            using var gateway = await GatewayProcess.StartAsync(settings);
            using var stopTraffic = new CancellationTokenSource();
            var traffic = Task.WhenAll(Enumerable.Range(0, Clients).Select(c => SendUntilStoppedAsync(client, settings, $"k{kill}-c{c}", answered, stopTraffic.Token)));
            await WaitUntilAsync(() => answered.Count >= (kill + 1) * AnsweredBeforeEachKill, "the gateway answered too few requests");
            gateway.Kill();
            await stopTraffic.CancelAsync();
            await traffic;
        }
        using (var last = await GatewayProcess.StartAsync(settings))
        {
            // Events go to the stream in spool order: once this one is there, everything spooled before it is too.
            using var response = await client.GetAsync(settings.Url("/api/contacts/after-the-kills"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await WaitUntilAsync(async () => (await TestAudit.ReadAsync(redis.Configuration, settings.AuditStream!)).Any(e => PathOf(e) == "/api/contacts/after-the-kills"), "the last request's event never arrived");
        }
        var events = await TestAudit.ReadAsync(redis.Configuration, settings.AuditStream!);
        var verifier = new AuditChainVerifier(TestAudit.Keys);
        foreach (var record in events)
        {
            verifier.Check(record.EntryId, record);
        }
        var present = events.Select(PathOf).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var run = new CrashRun(events, verifier, [.. answered.Where(path => !present.Contains(path))]);
        output.WriteLine($"{durability}: {answered.Count} answered, {run.AnsweredWithoutEvent.Count} of them without an event; {events.Count} entries; gaps: {string.Join(", ", verifier.Gaps.Select(g => $"{g.First}..{g.Last} ({g.Kind})"))}");
        return run;
    }

    /// <summary>One client: requests one after another, each with a path of its own, until stopped; errors (the gateway killed) only end a request.</summary>
    private static async Task SendUntilStoppedAsync(HttpClient client, GatewayUnderTest settings, string name, ConcurrentQueue<string> answered, CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var path = $"/api/contacts/{name}-{n}";
            try
            {
                using var response = await client.GetAsync(settings.Url(path), stop);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    answered.Enqueue(path);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                // Killed mid-request: that response is not complete, so not answered.
            }
        }
    }

    private static void AssertEachEventOnce(CrashRun run)
    {
        Assert.Equal(0, run.Verifier.Duplicates);
        Assert.Equal(run.Events.Count, run.Events.Select(e => e.EventId).Distinct().Count());
    }

    private static string? PathOf(AuditRecord record) =>
        record.Document.RootElement.TryGetProperty("http_request", out var request) ? request.GetProperty("url").GetProperty("path").GetString() : null;

    private static Task WaitUntilAsync(Func<bool> condition, string failure) => WaitUntilAsync(() => Task.FromResult(condition()), failure);

    private static Task WaitUntilAsync(Func<Task<bool>> condition, string failure) => Eventually.UntilAsync(condition, failure, TimeSpan.FromSeconds(60));

    private sealed record CrashRun(List<AuditRecord> Events, AuditChainVerifier Verifier, List<string> AnsweredWithoutEvent);
}
