using System.Text.Json;
using Gateway.Audit;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Audit;

/// <summary>
/// An event that cannot be serialised (a bug) must not stop the audit trail of the requests after
/// it, nor vanish without trace: its number stays a gap over which the chain holds, and verify
/// reports it as a number the gateway never wrote.
/// </summary>
public sealed class AuditUnwritableEventTests
{
    [Fact]
    public async Task AnEventThatCannotBeSerialised_IsDropped_AndTheEventsAfterItArrive_ChainedOverItsReportedGap()
    {
        await using var audit = await StandaloneAuditWriter.StartAsync("gateway:audit:unwritable", TimeProvider.System);

        await audit.Queue.RecordAsync(Request("/api/contacts/before"));
        await audit.Queue.RecordAsync(new UnwritableEvent());
        await audit.Queue.RecordAsync(Request("/api/contacts/after"));

        var events = await TestAudit.WaitForAsync(audit.Configuration, audit.Options.Stream, 2, TimeSpan.FromSeconds(30));
        await audit.Writer.StopAsync(CancellationToken.None);
        Assert.Equal(
            ["/api/contacts/before", "/api/contacts/after"],
            events.Select(e => e.Document.RootElement.GetProperty("http_request").GetProperty("url").GetProperty("path").GetString()));
        Assert.Equal([1L, 3L], events.Select(e => e.Sequence!.Value));
        var verifier = new AuditChainVerifier(TestAudit.Keys);
        foreach (var record in events)
        {
            verifier.Check(record.EntryId, record);
        }
        var gap = Assert.Single(verifier.Gaps);
        Assert.Equal((2L, 2L, GapKind.NotWritten, true), (gap.First, gap.Last, gap.Kind, gap.IsBreak));
        Assert.Equal(AuditChainVerifier.Describe(gap), Assert.Single(verifier.Breaks).Problem);
    }

    private static ApiActivityEvent Request(string path) => new(DateTimeOffset.UtcNow) { Method = "GET", Path = path, StatusCode = 200 };

    private sealed class UnwritableEvent() : AuditEvent(DateTimeOffset.UtcNow)
    {
        internal override void WriteAttributes(Utf8JsonWriter writer, AuditKeys keys) =>
            throw new InvalidOperationException("a bug in an event's serialisation");

        internal override void WriteUnmapped(Utf8JsonWriter writer, AuditKeys keys)
        {
        }
    }
}
