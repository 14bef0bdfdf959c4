using System.Buffers;
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
/// What auditing costs. <see cref="RecordOnRequestPath"/> is all the request path does (build the
/// event, queue it: no I/O). <see cref="ChainOneEvent"/> is the writer's work per event (serialise,
/// pseudonymise 20 subjects, HMAC). <see cref="WriterThroughput"/> pushes events through the real
/// writer: spool with fsync per batch, then pipelined XADDs into a local redis-server, until Redis
/// has them all; its time per operation is the time per event (target: 50 000 events/s, i.e. 20 µs).
/// </summary>
[MemoryDiagnoser]
public class AuditBenchmarks
{
    private const int EventsPerThroughputRun = 50_000;
    private static readonly AuditActor Agent = new("https://idp.example", "agent-7", "crm-app", "jti-1", new HashSet<string> { "support-agent" }, false);

    private readonly AuditKeys _keys = new(Encoding.UTF8.GetBytes("benchmark-audit-key-0123456789abcdef-0123"));
    private readonly ArrayBufferWriter<byte> _lines = new(1 << 20);
    private AuditChain _chain = null!;
    private AuditQueue _queue = null!;
    private AuditSequence _sequence = null!;
    private string _sequenceDirectory = string.Empty;
    private long _chained;
    private CancellationTokenSource _drain = null!;
    private LocalRedisServer? _redis;
    private string _spool = string.Empty;
    private MaskingReport _report = null!;
    private List<ApiActivityEvent> _events = [];

    /// <summary>Records in the response: one for a single-record read, 20 for a page of a list.</summary>
    [Params(1, 20)]
    public int Subjects { get; set; }

    [GlobalSetup]
    public void SetUpReport() => _report = Report();

    private MaskingReport Report() =>
        new("v1", "contact", Subjects, [.. Enumerable.Range(0, Subjects).Select(i => $"c-{i:D5}")], new Dictionary<string, int> { ["contact:partial"] = 2 * Subjects, ["national_id:redact"] = Subjects });

    [GlobalSetup(Targets = [nameof(RecordOnRequestPath), nameof(ChainOneEvent)])]
    public void SetUpInMemory()
    {
        SetUpReport();
        _chain = new AuditChain(_keys, "bench", ChainHead.Genesis);
        _queue = Queue(new AuditOptions());
        _sequenceDirectory = Directory.CreateTempSubdirectory("audit-bench-sequence-").FullName;
        _sequence = AuditSequence.Open(_sequenceDirectory, ChainHead.Genesis, "queued", TimeProvider.System);
        _queue.Attach(_sequence, first: null);
        _drain = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            await foreach (var _ in _queue.Reader.ReadAllAsync(_drain.Token))
            {
            }
        });
    }

    [GlobalCleanup(Targets = [nameof(RecordOnRequestPath), nameof(ChainOneEvent)])]
    public void CleanUpInMemory()
    {
        _drain.Cancel();
        _sequence.Dispose();
        Directory.Delete(_sequenceDirectory, recursive: true);
    }

    [Benchmark]
    public ValueTask<bool> RecordOnRequestPath() => _queue.RecordAsync(Event());

    [Benchmark]
    public int ChainOneEvent()
    {
        _lines.ResetWrittenCount();
        var auditEvent = Event();
        auditEvent.Sequence = ++_chained;
        _chain.Append(auditEvent, _lines);
        return _lines.WrittenCount;
    }

    [GlobalSetup(Target = nameof(WriterThroughput))]
    public void SetUpRedis()
    {
        SetUpReport();
        _redis = new LocalRedisServer();
    }

    [GlobalCleanup(Target = nameof(WriterThroughput))]
    public void CleanUpRedis() => _redis?.Dispose();

    /// <summary>
    /// A new spool, and events made beforehand, each with a subject list of its own: the writer
    /// gives a written event's list back to the pool, so no two events may share one.
    /// </summary>
    [IterationSetup(Target = nameof(WriterThroughput))]
    public void NewSpoolAndEvents()
    {
        _spool = Directory.CreateTempSubdirectory("audit-bench-").FullName;
        _events = [.. Enumerable.Range(0, EventsPerThroughputRun).Select(_ => Event(Report()))];
    }

    [IterationCleanup(Target = nameof(WriterThroughput))]
    public void RemoveSpool() => Directory.Delete(_spool, recursive: true);

    [Benchmark(OperationsPerInvoke = EventsPerThroughputRun)]
    public async Task WriterThroughput()
    {
        var stream = $"bench:{Guid.NewGuid():N}";
        var keyFile = Path.Combine(_spool, "key");
        await File.WriteAllBytesAsync(keyFile, Encoding.UTF8.GetBytes("benchmark-audit-key-0123456789abcdef-0123"));
        var options = new AuditOptions { Stream = stream, KeyFile = keyFile, SpoolDirectory = Path.Combine(_spool, "spool") };
        var queue = Queue(options);
        var connection = new RedisConnection(Options.Create(new RedisOptions { Configuration = _redis!.Configuration }), NullLogger<RedisConnection>.Instance);
        using var writer = new AuditWriter(queue, Options.Create(options), connection, Metrics(), TimeProvider.System, NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        foreach (var auditEvent in _events)
        {
            await queue.RecordAsync(auditEvent);
        }
        var database = (await connection.GetAsync()).GetDatabase();
        while (await database.StreamLengthAsync(stream) < EventsPerThroughputRun)
        {
            await Task.Delay(1);
        }
        await writer.StopAsync(CancellationToken.None);
        await database.KeyDeleteAsync(stream);
        await connection.DisposeAsync();
    }

    private ApiActivityEvent Event() => Event(_report);

    private static ApiActivityEvent Event(MaskingReport report) => new(DateTimeOffset.UtcNow)
    {
        Method = "GET",
        Path = "/api/contacts",
        QueryKeys = ["page", "pageSize"],
        StatusCode = 200,
        ClientIp = "10.1.2.3",
        RouteId = "contacts",
        Actor = Agent,
        Masking = report,
        DurationMilliseconds = 1.25,
    };

    private static AuditQueue Queue(AuditOptions options) => new(Options.Create(options), Metrics(), NullLogger<AuditQueue>.Instance);

    private static GatewayMetrics Metrics() =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
}
