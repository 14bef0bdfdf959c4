using Gateway.Audit;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Audit;

/// <summary>
/// The spool is a group commit: events that come within <c>FsyncInterval</c> of the last fsync
/// wait for it to pass and are then spooled, fsynced and sent together; none is dropped while waiting.
/// </summary>
public sealed class AuditGroupCommitTests
{
    [Fact]
    public async Task EventsSoonAfterAnFsync_WaitForTheInterval_ThenAllArriveInOrder()
    {
        // The interval passes only when the test says so: a slow machine cannot make it pass early.
        var time = new FakeTimeProvider();
        await using var audit = await StandaloneAuditWriter.StartAsync("gateway:audit:group", time, o => o.FsyncInterval = TimeSpan.FromSeconds(1));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(audit.Configuration);

        await audit.Queue.RecordAsync(TestEvent("/api/contacts/first"));
        Assert.Equal(1, await AdvanceUntilAsync(time, audit, redis, 1));
        for (var i = 0; i < 3; i++)
        {
            await audit.Queue.RecordAsync(TestEvent($"/api/contacts/later-{i}"));
        }
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var seenBeforeTheInterval = await redis.GetDatabase().StreamLengthAsync(audit.Options.Stream);
        await AdvanceUntilAsync(time, audit, redis, 4);
        var events = await TestAudit.ReadAsync(audit.Configuration, audit.Options.Stream);
        await audit.Writer.StopAsync(CancellationToken.None);

        Assert.Equal(1, seenBeforeTheInterval);
        Assert.Equal(["/api/contacts/first", "/api/contacts/later-0", "/api/contacts/later-1", "/api/contacts/later-2"],
            events.Select(e => e.Document.RootElement.GetProperty("http_request").GetProperty("url").GetProperty("path").GetString()));
        Assert.Equal([1L, 2, 3, 4], events.Select(e => e.Sequence!.Value));
    }

    [Fact]
    public async Task Stopping_WritesAndSendsWhatIsGathering_WithoutWaitingForTheInterval()
    {
        // Time never moves on: only stopping can end the wait for the interval.
        await using var audit = await StandaloneAuditWriter.StartAsync("gateway:audit:group-stop", new FakeTimeProvider(), o => o.FsyncInterval = TimeSpan.FromSeconds(1));

        for (var i = 0; i < 5; i++)
        {
            await audit.Queue.RecordAsync(TestEvent($"/api/contacts/{i}"));
        }
        await audit.Writer.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(5, (await TestAudit.ReadAsync(audit.Configuration, audit.Options.Stream)).Count);
    }

    /// <summary>
    /// Moves the clock on by the interval while events wait in the queue, until the stream holds
    /// <paramref name="count"/> events. Once is not always enough: the writer reads the clock and then
    /// starts its wait, and an advance that falls between the two leaves that wait due one interval
    /// later. Once the writer has taken them, the clock stays: an advance while they were still being
    /// sent would count as time passed since their fsync, and let the next events through early.
    /// </summary>
    private static async Task<long> AdvanceUntilAsync(FakeTimeProvider time, StandaloneAuditWriter audit, ConnectionMultiplexer redis, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        long length;
        while ((length = await redis.GetDatabase().StreamLengthAsync(audit.Options.Stream)) < count && DateTime.UtcNow < deadline)
        {
            if (audit.Queue.Depth > 0)
            {
                time.Advance(audit.Options.GroupCommitDelay);
            }
            await Task.Delay(50);
        }
        return length;
    }

    private static ApiActivityEvent TestEvent(string path) =>
        new(DateTimeOffset.UtcNow) { Method = "GET", Path = path, StatusCode = 200 };
}
