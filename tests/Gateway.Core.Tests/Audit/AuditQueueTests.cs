using System.Diagnostics.Metrics;
using Gateway.Core.Audit;
using Gateway.Core.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Core.Tests.Audit;

public sealed class AuditQueueTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task FailingOpen_ADroppedEvent_GivesBackItsSubjectList_AndAQueuedOneKeepsIt()
    {
        var queue = new AuditQueue(
            Options.Create(new AuditOptions { FailMode = "open", QueueCapacity = 1 }),
            new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()),
            NullLogger<AuditQueue>.Instance);
        var queued = AuditTestEvents.KeyedSubjects(2_000);
        var dropped = AuditTestEvents.KeyedSubjects(2_000);

        await queue.RecordAsync(AuditTestEvents.Request(masking: queued));
        await queue.RecordAsync(AuditTestEvents.Request(masking: dropped));

        Assert.Equal(1, queue.Depth);
        Assert.Equal(2_000, queued.SubjectIds.ToList().Count);
        Assert.Throws<ObjectDisposedException>(() => dropped.SubjectIds.Entries);
    }
}
