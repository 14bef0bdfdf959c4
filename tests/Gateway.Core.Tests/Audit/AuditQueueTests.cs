using System.Diagnostics.Metrics;
using Gateway.Core.Audit;
using Gateway.Core.Masking;
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
        var (queuedSubjects, queued) = WithSubjects();
        var (droppedSubjects, dropped) = WithSubjects();

        await queue.RecordAsync(queued);
        await queue.RecordAsync(dropped);

        Assert.Equal(1, queue.Depth);
        Assert.Equal(2_000, queuedSubjects.ToList().Count);
        Assert.Throws<ObjectDisposedException>(() => droppedSubjects.Entries);
    }

    private static (SubjectIdList Subjects, ApiActivityEvent Event) WithSubjects()
    {
        var subjects = new SubjectIdList();
        for (var i = 0; i < 2_000; i++)
        {
            subjects.Add(new SubjectHash((ulong)i));
        }
        return (subjects, new ApiActivityEvent(DateTimeOffset.UtcNow)
        {
            Method = "GET",
            Path = "/api/contacts",
            StatusCode = 200,
            Masking = new MaskingReport("v-1", "contact", 2_000, subjects, new Dictionary<string, int>()),
        });
    }
}
