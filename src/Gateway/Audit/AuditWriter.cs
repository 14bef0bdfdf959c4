using Gateway.Redis;
using Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace Gateway.Audit;

/// <summary>
/// Keeps the audit trail: at start it opens the spool and picks the trail up where the last process
/// left it, then runs the two loops that move events on, queue to spool (<see cref="AuditSpoolPump"/>,
/// chained and fsynced) and spool to Redis Stream (<see cref="AuditStreamPump"/>), while
/// <see cref="AuditRecorders"/> tells each event's recorder once it is kept as far as
/// <c>Durability</c> asks. After a crash, the first event written says which sequence numbers the
/// crashed process reserved and never wrote. The host stops it after the web server (services stop
/// in reverse order, and the server is registered after the gateway's services), so the requests
/// the server finishes on shutdown have their events: then the queue is drained into the spool and
/// one last attempt is made to send it.
/// </summary>
internal sealed partial class AuditWriter : IHostedService, IDisposable
{
    private readonly AuditQueue _queue;
    private readonly AuditOptions _options;
    private readonly RedisConnection _redis;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<AuditWriter> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abandon = new();
    private readonly AuditRecorders _recorders;
    private readonly AuditStreamLag _lag;
    private AuditSpool? _spool;
    private AuditKeys? _keys;
    private AuditSequence? _sequence;
    private AuditSpoolPump? _spoolPump;
    private AuditStreamPump? _streamPump;
    private Task<int> _spooling = Task.FromResult(0);
    private Task _sending = Task.CompletedTask;

    public AuditWriter(AuditQueue queue, IOptions<AuditOptions> options, RedisConnection redis, GatewayMetrics metrics, TimeProvider time, ILogger<AuditWriter> logger)
    {
        _queue = queue;
        _options = options.Value;
        _redis = redis;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _lag = new AuditStreamLag(time);
        _recorders = new AuditRecorders(_options.DurabilityLevel, metrics, _lag);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var spool = _spool = AuditSpool.Open(_options.SpoolDirectory, _options.InstanceId, _time);
        if (spool.TruncatedBytes > 0)
        {
            LogTruncated(_logger, spool.TruncatedBytes);
        }
        _keys = AuditKeys.FromFile(_options.KeyFile!);
        var sequence = _sequence = AuditSequence.Open(_options.SpoolDirectory, spool.Head, _options.Durability, _time);
        var chain = new AuditChain(_keys, spool.InstanceId, spool.Head);
        if (spool.HasUnsent)
        {
            _lag.UnsentAtStart(spool.Head.Sequence);
        }
        _metrics.ObserveAuditBacklog(() => _queue.Depth, () => spool.UnsentBytes, _lag);
        LogStarted(_logger, spool.InstanceId, spool.Head.Sequence, sequence.LastTaken + 1, spool.UnsentBytes, _options.Stream);
        AuditRestartEvent? restart = null;
        if (sequence.Unwritten is { } unwritten)
        {
            LogRestartedAfterCrash(_logger, unwritten.First, unwritten.Last, unwritten.PreviousDurability);
            restart = new AuditRestartEvent(_time.GetUtcNow(), unwritten);
        }
        _queue.Attach(sequence, restart);
        var streamPump = _streamPump = new AuditStreamPump(spool, _recorders, _options, _redis, _metrics, _time, _logger, _stopping.Token, _abandon.Token);
        _spoolPump = new AuditSpoolPump(_queue, spool, chain, _recorders, _options, _metrics, _time, _logger, streamPump.Wake, _stopping.Token, _abandon.Token);
        _spooling = _spoolPump.Start();
        _sending = streamPump.Start(_spooling);
        return Task.CompletedTask;
    }

    /// <summary>
    /// No more numbers are handed out, the queue is drained into the spool, one last send is tried,
    /// and, if every numbered event was written, the clean stop is recorded so that the next start
    /// continues without a gap.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        using var abandonWhenHostGivesUp = cancellationToken.Register(_abandon.Cancel);
        var lastTaken = _queue.Close();
        await _stopping.CancelAsync().ConfigureAwait(false);
        var lost = await _spooling.ConfigureAwait(false);
        await _sending.ConfigureAwait(false);
        _recorders.StreamFailing();
        if (lost == 0 && _sequence is { } sequence)
        {
            try
            {
                sequence.MarkStopped(lastTaken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogStopNotRecorded(_logger, ex.Message);
            }
        }
        if (_spool is { UnsentBytes: > 0 } spool)
        {
            LogLeftInSpool(_logger, spool.UnsentBytes);
        }
    }

    public void Dispose()
    {
        _sequence?.Dispose();
        _spool?.Dispose();
        _keys?.Dispose();
        _stopping.Dispose();
        _abandon.Dispose();
        _spoolPump?.Dispose();
        _streamPump?.Dispose();
    }

    [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "Audit trail of instance {InstanceId} continues after sequence {Sequence}, the last event spooled; the next event gets {Next} ({UnsentBytes} spooled bytes still to send to stream {Stream})")]
    private static partial void LogStarted(ILogger logger, string instanceId, long sequence, long next, long unsentBytes, string stream);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Warning, Message = "The audit spool ended in a half-written event ({Bytes} bytes) left by a crash; it was cut off (that event's request had already ended without it)")]
    private static partial void LogTruncated(ILogger logger, long bytes);

    [LoggerMessage(EventId = 1707, Level = LogLevel.Warning, Message = "Stopped with {Bytes} bytes of audit events in the spool; they are sent at the next start")]
    private static partial void LogLeftInSpool(ILogger logger, long bytes);

    [LoggerMessage(EventId = 1713, Level = LogLevel.Warning, Message = "The previous gateway process ended without stopping (Durability={PreviousDurability}); sequence numbers {First} to {Last} it had reserved were not written, and the first event written says so")]
    private static partial void LogRestartedAfterCrash(ILogger logger, long first, long last, string previousDurability);

    [LoggerMessage(EventId = 1716, Level = LogLevel.Error, Message = "The clean stop of the audit trail could not be recorded ({Error}); the next start reports the numbers reserved as unwritten")]
    private static partial void LogStopNotRecorded(ILogger logger, string error);
}
