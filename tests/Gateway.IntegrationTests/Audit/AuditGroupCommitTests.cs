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
        // Two seconds, not the stream pump's idle poll (one second), so that the writer's wait is the timer awaited.
        var time = new FakeClock();
        await using var audit = await StandaloneAuditWriter.StartAsync("gateway:audit:group", time, o => o.FsyncInterval = TimeSpan.FromSeconds(2));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(audit.Configuration);

        var gathering = time.WaitingForAsync(audit.Options.GroupCommitDelay);
        await audit.Queue.RecordAsync(TestEvent("/api/contacts/first"));
        await gathering;
        time.Advance(audit.Options.GroupCommitDelay);
        Assert.Equal(1, await StreamLengthAsync(audit, redis, 1));
        gathering = time.WaitingForAsync(audit.Options.GroupCommitDelay);
        for (var i = 0; i < 3; i++)
        {
            await audit.Queue.RecordAsync(TestEvent($"/api/contacts/later-{i}"));
        }
        // The writer has taken the events and waits for the interval since the last fsync: nothing may have been sent yet.
        await gathering;
        var seenBeforeTheInterval = await redis.GetDatabase().StreamLengthAsync(audit.Options.Stream);
        time.Advance(audit.Options.GroupCommitDelay);
        await StreamLengthAsync(audit, redis, 4);
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

    /// <summary>The stream's length once it holds <paramref name="count"/> events (or, if it never does, its last length): the writer sends in the background.</summary>
    private static Task<long> StreamLengthAsync(StandaloneAuditWriter audit, ConnectionMultiplexer redis, int count) =>
        Eventually.ValueAsync(() => redis.GetDatabase().StreamLengthAsync(audit.Options.Stream), length => length >= count, TimeSpan.FromSeconds(15));

    private static ApiActivityEvent TestEvent(string path) =>
        new(DateTimeOffset.UtcNow) { Method = "GET", Path = path, StatusCode = 200 };
}
