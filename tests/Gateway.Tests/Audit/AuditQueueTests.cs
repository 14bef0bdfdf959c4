using System.Diagnostics.Metrics;
using Gateway.Audit;
using Gateway.Audit.Tests;
using Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Audit;

public sealed class AuditQueueTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly string _directory = Directory.CreateTempSubdirectory("audit-queue-").FullName;

    private AuditQueue Queue(AuditOptions options) =>
        new(Options.Create(options), new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()), NullLogger<AuditQueue>.Instance);

    private static List<AuditEvent> Drain(AuditQueue queue) => [.. DrainQueued(queue).Select(queued => queued.Event)];

    private static List<QueuedAuditEvent> DrainQueued(AuditQueue queue)
    {
        var queued = new List<QueuedAuditEvent>();
        while (queue.Reader.TryRead(out var next))
        {
            queued.Add(next);
        }
        return queued;
    }

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Recording_NumbersEventsInQueueOrder_FromTheReservedBlock()
    {
        var queue = Queue(new AuditOptions());
        using var sequence = AuditSequence.Open(_directory, new ChainHead(9, new string('a', 64)), "queued", TimeProvider.System);
        queue.Attach(sequence, first: null);

        var events = Enumerable.Range(0, 3).Select(_ => AuditTestEvents.Request()).ToList();
        foreach (var auditEvent in events)
        {
            Assert.True(await queue.RecordAsync(auditEvent));
        }

        Assert.Equal([10L, 11L, 12L], events.Select(e => e.Sequence));
        Assert.Equal(events, Drain(queue));
    }

    [Fact]
    public async Task EventsRecordedBeforeTheWriterStarts_WaitForIt_AndComeAfterItsFirstEvent()
    {
        var queue = Queue(new AuditOptions());
        var early = queue.RecordAsync(AuditTestEvents.Request()).AsTask();
        Assert.False(early.IsCompleted);
        using var sequence = AuditSequence.Open(_directory, ChainHead.Genesis, "queued", TimeProvider.System);
        var restart = AuditTestEvents.Request(path: "/first");

        queue.Attach(sequence, restart);

        Assert.True(await early);
        Assert.Equal([1L, 2L], Drain(queue).Select(e => e.Sequence));
    }

    [Fact]
    public async Task AfterClose_EventsAreNotKept_AndTakeNoNumber()
    {
        var queue = Queue(new AuditOptions());
        using var sequence = AuditSequence.Open(_directory, ChainHead.Genesis, "queued", TimeProvider.System);
        queue.Attach(sequence, first: null);
        await queue.RecordAsync(AuditTestEvents.Request());

        var lastTaken = queue.Close();
        var late = AuditTestEvents.Request();

        Assert.Equal(1, lastTaken);
        Assert.False(await queue.RecordAsync(late));
        Assert.Equal(0, late.Sequence);
        Assert.Equal(1, sequence.LastTaken);
    }

    [Fact]
    public async Task WithDurabilitySpooled_RecordingCompletesWhenTheWriterSaysTheEventIsKept()
    {
        var queue = Queue(new AuditOptions { Durability = "spooled" });
        using var sequence = AuditSequence.Open(_directory, ChainHead.Genesis, "spooled", TimeProvider.System);
        queue.Attach(sequence, first: null);
        var auditEvent = AuditTestEvents.Request();

        var recording = queue.RecordAsync(auditEvent).AsTask();
        Assert.False(recording.IsCompleted);
        Assert.Single(DrainQueued(queue)).Kept!.SetResult(false);

        Assert.False(await recording);
    }

    [Fact]
    public async Task FailingOpen_ADroppedEvent_GivesBackItsSubjectList_AndAQueuedOneKeepsIt()
    {
        var queue = new AuditQueue(
            Options.Create(new AuditOptions { FailMode = "open", QueueCapacity = 1 }),
            new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()),
            NullLogger<AuditQueue>.Instance);
        using var sequence = AuditSequence.Open(_directory, ChainHead.Genesis, "queued", TimeProvider.System);
        queue.Attach(sequence, first: null);
        var queued = AuditTestEvents.KeyedSubjects(2_000);
        var dropped = AuditTestEvents.KeyedSubjects(2_000);

        await queue.RecordAsync(AuditTestEvents.Request(masking: queued));
        var droppedEvent = AuditTestEvents.Request(masking: dropped);
        Assert.False(await queue.RecordAsync(droppedEvent));

        Assert.Equal(1, queue.Depth);
        Assert.Equal(2, droppedEvent.Sequence);
        Assert.Equal(2_000, queued.SubjectIds.ToList().Count);
        Assert.Throws<ObjectDisposedException>(() => dropped.SubjectIds.Entries);
    }
}
