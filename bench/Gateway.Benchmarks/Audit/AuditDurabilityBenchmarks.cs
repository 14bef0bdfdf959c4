using System.Text;
using BenchmarkDotNet.Attributes;
using Gateway.Audit;
using Gateway.Masking;
using Gateway.Redis;
using Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Benchmarks.Audit;

/// <summary>
/// What <c>Gateway:Audit:Durability</c> costs a request. <see cref="Concurrency"/> requests each
/// record one event after another and wait as the setting asks (queued: not at all; spooled: for
/// the fsync that takes it; stream: for Redis to confirm it), through the real writer, its spool
/// and a local redis-server, until <see cref="EventsPerRun"/> events are recorded. The time per
/// operation is the time per event: with one request, how long a response's end is held; with many,
/// what the group commit makes of it (a request then waits about <see cref="Concurrency"/> times as long).
/// </summary>
[MemoryDiagnoser]
public class AuditDurabilityBenchmarks
{
    private const int EventsPerRun = 2_000;
    private static readonly AuditActor Agent = new("https://idp.example", "agent-7", "crm-app", "jti-1", new HashSet<string> { "support-agent" }, false);

    private LocalRedisServer? _redis;
    private string _directory = string.Empty;
    private RedisConnection? _connection;
    private AuditQueue? _queue;
    private AuditWriter? _writer;
    private List<ApiActivityEvent> _events = [];

    /// <summary>The durability setting, and for spooled and stream a group commit that waits 2 ms after an fsync (<c>FsyncInterval</c>) instead of none.</summary>
    [Params("queued", "spooled", "spooled, 2 ms", "stream", "stream, 2 ms")]
    public string Durability { get; set; } = "queued";

    [Params(1, 64)]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public void StartRedis() => _redis = new LocalRedisServer();

    [GlobalCleanup]
    public void StopRedis() => _redis?.Dispose();

    /// <summary>A new spool and writer, and events made beforehand (each with a subject list of its own, which the writer gives back to the pool).</summary>
    [IterationSetup]
    public void StartWriter()
    {
        _directory = Directory.CreateTempSubdirectory("audit-durability-bench-").FullName;
        var keyFile = Path.Combine(_directory, "key");
        File.WriteAllBytes(keyFile, Encoding.UTF8.GetBytes("benchmark-audit-key-0123456789abcdef-0123"));
        var options = Options.Create(new AuditOptions
        {
            Stream = $"bench:durability:{Guid.NewGuid():N}",
            KeyFile = keyFile,
            SpoolDirectory = Path.Combine(_directory, "spool"),
            Durability = Durability.Split(',')[0],
            FsyncInterval = Durability.EndsWith("2 ms", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(2) : null,
        });
        var metrics = new GatewayMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _connection = new RedisConnection(Options.Create(new RedisOptions { Configuration = _redis!.Configuration }), NullLogger<RedisConnection>.Instance);
        _queue = new AuditQueue(options, metrics, NullLogger<AuditQueue>.Instance);
        _writer = new AuditWriter(_queue, options, _connection, metrics, TimeProvider.System, NullLogger<AuditWriter>.Instance);
        _writer.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        _events = [.. Enumerable.Range(0, EventsPerRun).Select(_ => Event())];
    }

    [IterationCleanup]
    public void StopWriter()
    {
        _writer!.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _writer.Dispose();
        _connection!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = EventsPerRun)]
    public Task RecordAndWait() =>
        Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async request =>
        {
            for (var i = request; i < EventsPerRun; i += Concurrency)
            {
                await _queue!.RecordAsync(_events[i]);
            }
        }));

    private static ApiActivityEvent Event() => new(DateTimeOffset.UtcNow)
    {
        Method = "GET",
        Path = "/api/contacts/c-00001",
        StatusCode = 200,
        ClientIp = "10.1.2.3",
        RouteId = "contacts",
        Actor = Agent,
        Masking = new MaskingReport("v1", "contact", 1, ["c-00001"], new Dictionary<string, int> { ["contact:partial"] = 2 }),
        DurationMilliseconds = 1.25,
    };
}
