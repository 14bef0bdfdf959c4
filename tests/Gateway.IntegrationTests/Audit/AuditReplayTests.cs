using Gateway.Audit;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Audit;

/// <summary>
/// Events the stream already has are not added again: not when a restart sends the spool from a
/// checkpoint written before Redis took the last events (a crash leaves it up to a second behind),
/// and never by skipping events the stream does not have, as when another process writes under the
/// same instance name.
/// </summary>
public sealed class AuditReplayTests
{
    [Fact]
    public async Task RestartSendingFromAnOldCheckpoint_AddsNothingTwice_AndGoesOnAfterTheLastEvent()
    {
        await using var first = await StandaloneAuditWriter.StartAsync("gateway:audit:replay", TimeProvider.System, o => o.InstanceId = "gw-replay");
        await RecordAsync(first, "before", 20);
        await TestAudit.WaitForAsync(first.Configuration, first.Options.Stream, 20);
        await first.Writer.StopAsync(CancellationToken.None);
        first.Writer.Dispose();
        // As if the process had died before the checkpoint caught up: everything is sent again.
        await File.WriteAllTextAsync(Path.Combine(first.Options.SpoolDirectory, "checkpoint"), "1 0\n");

        await using var restarted = await first.StartAnotherAsync(TimeProvider.System);
        await RecordAsync(restarted, "after", 5);
        var events = await TestAudit.WaitForAsync(first.Configuration, first.Options.Stream, 25);
        await restarted.Writer.StopAsync(CancellationToken.None);
        events = await TestAudit.ReadAsync(first.Configuration, first.Options.Stream);

        Assert.Equal(Enumerable.Range(1, 25).Select(n => (long)n), events.Select(e => e.Sequence!.Value));
        var verifier = Verify(events);
        Assert.Empty(verifier.Breaks);
        Assert.Equal(0, verifier.Duplicates);
    }

    [Fact]
    public async Task AnotherProcessUnderTheSameInstanceName_HasItsEventsAddedAnyway_AndVerifyReportsTheClash()
    {
        await using var first = await StandaloneAuditWriter.StartAsync("gateway:audit:clash", TimeProvider.System, o => o.InstanceId = "gw-same");
        await RecordAsync(first, "first", 5);
        await TestAudit.WaitForAsync(first.Configuration, first.Options.Stream, 5);

        await using var second = await first.StartAnotherAsync(TimeProvider.System, o => o.SpoolDirectory = TestAudit.NewSpoolDirectory());
        await RecordAsync(second, "second", 3);
        var events = await TestAudit.WaitForAsync(first.Configuration, first.Options.Stream, 8, TimeSpan.FromSeconds(30));

        Assert.Equal(8, events.Count);
        await second.Writer.StopAsync(CancellationToken.None);
        await first.Writer.StopAsync(CancellationToken.None);
        Assert.Contains(Verify(events).Breaks, b => b.Problem.StartsWith("out of order", StringComparison.Ordinal));
    }

    private static async Task RecordAsync(StandaloneAuditWriter audit, string name, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await audit.Queue.RecordAsync(new ApiActivityEvent(DateTimeOffset.UtcNow) { Method = "GET", Path = $"/api/contacts/{name}-{i}", StatusCode = 200 });
        }
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
}
