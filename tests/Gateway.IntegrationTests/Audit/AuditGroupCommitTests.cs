using System.Diagnostics;
using Gateway.Core.Audit;
using Gateway.Core.Redis;
using Gateway.Core.Telemetry;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Audit;

/// <summary>
/// The spool is a group commit: events that come within <c>FsyncInterval</c> of the last fsync
/// wait for it to pass and are then spooled, fsynced and sent together; none is dropped while waiting.
/// </summary>
public sealed class AuditGroupCommitTests : IDisposable
{
    private readonly string _spool = TestAudit.NewSpoolDirectory();
    private readonly int _redisPort = FreePort.Next();
    private Process? _redis;

    [Fact]
    public async Task EventsSoonAfterAnFsync_WaitForTheInterval_ThenAllArriveInOrder()
    {
        _redis = await RedisServerFixture.StartProcessAsync(_redisPort);
        var configuration = $"127.0.0.1:{_redisPort}";
        var options = new AuditOptions { Stream = "gateway:audit:group", KeyFile = TestAudit.KeyFile, SpoolDirectory = _spool, FsyncInterval = TimeSpan.FromSeconds(1) };
        var metrics = new GatewayMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var queue = new AuditQueue(Options.Create(options), metrics, NullLogger<AuditQueue>.Instance);
        await using var connection = new RedisConnection(Options.Create(new RedisOptions { Configuration = configuration }), NullLogger<RedisConnection>.Instance);
        // The interval passes only when the test says so: a slow machine cannot make it pass early.
        var time = new FakeTimeProvider();
        using var writer = new AuditWriter(queue, Options.Create(options), connection, metrics, time, NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(configuration);

        await queue.RecordAsync(TestEvent("/api/contacts/first"));
        time.Advance(options.FsyncInterval);
        Assert.Single(await TestAudit.WaitForAsync(configuration, options.Stream, 1));
        for (var i = 0; i < 3; i++)
        {
            await queue.RecordAsync(TestEvent($"/api/contacts/later-{i}"));
        }
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var seenBeforeTheInterval = await redis.GetDatabase().StreamLengthAsync(options.Stream);
        time.Advance(options.FsyncInterval);
        var events = await TestAudit.WaitForAsync(configuration, options.Stream, 4);
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(1, seenBeforeTheInterval);
        Assert.Equal(["/api/contacts/first", "/api/contacts/later-0", "/api/contacts/later-1", "/api/contacts/later-2"],
            events.Select(e => e.Document.RootElement.GetProperty("http_request").GetProperty("url").GetProperty("path").GetString()));
        Assert.Equal([1L, 2, 3, 4], events.Select(e => e.Sequence!.Value));
    }

    [Fact]
    public async Task Stopping_WritesAndSendsWhatIsGathering_WithoutWaitingForTheInterval()
    {
        _redis = await RedisServerFixture.StartProcessAsync(_redisPort);
        var configuration = $"127.0.0.1:{_redisPort}";
        var options = new AuditOptions { Stream = "gateway:audit:group-stop", KeyFile = TestAudit.KeyFile, SpoolDirectory = _spool, FsyncInterval = TimeSpan.FromSeconds(1) };
        var metrics = new GatewayMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var queue = new AuditQueue(Options.Create(options), metrics, NullLogger<AuditQueue>.Instance);
        await using var connection = new RedisConnection(Options.Create(new RedisOptions { Configuration = configuration }), NullLogger<RedisConnection>.Instance);
        // Time never moves on: only stopping can end the wait for the interval.
        using var writer = new AuditWriter(queue, Options.Create(options), connection, metrics, new FakeTimeProvider(), NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);

        for (var i = 0; i < 5; i++)
        {
            await queue.RecordAsync(TestEvent($"/api/contacts/{i}"));
        }
        await writer.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(5, (await TestAudit.ReadAsync(configuration, options.Stream)).Count);
    }

    private static ApiActivityEvent TestEvent(string path) =>
        new(DateTimeOffset.UtcNow) { Method = "GET", Path = path, StatusCode = 200 };

    public void Dispose()
    {
        RedisServerFixture.Stop(_redis);
        if (Directory.Exists(_spool))
        {
            Directory.Delete(_spool, recursive: true);
        }
    }
}
