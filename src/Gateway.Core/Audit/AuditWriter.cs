using System.Buffers;
using Gateway.Core.Redis;
using Gateway.Core.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Core.Audit;

/// <summary>
/// Moves audit events from the in-memory queue to the spool (chained, fsynced) and from the spool
/// to the Redis Stream, on two background loops. Redis being down or slow only makes the spool
/// grow; it is sent in order when Redis answers again, and at the next start after a crash.
/// On shutdown the queue is drained into the spool and one last attempt is made to send it.
/// </summary>
internal sealed partial class AuditWriter : IHostedService, IDisposable
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    /// <summary>Every batch sent trims the stream too; this is for a gateway without traffic, whose old events must still go.</summary>
    private static readonly TimeSpan TrimInterval = TimeSpan.FromMinutes(1);

    /// <summary>About how much chained JSON is appended to the spool at a time.</summary>
    private const int SpoolWriteBytes = 1024 * 1024;

    private readonly AuditQueue _queue;
    private readonly AuditOptions _options;
    private readonly RedisConnection _redis;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<AuditWriter> _logger;
    private readonly AuditStreamSender _sender;
    private readonly SemaphoreSlim _spooled = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abandon = new();
    private readonly ManualResetEventSlim _spoolThreadWoken = new(false, spinCount: 0);
    private AuditSpool? _spool;
    private AuditKeys? _keys;
    private AuditChain? _chain;
    private Task _spoolLoop = Task.CompletedTask;
    private Task _sendLoop = Task.CompletedTask;
    private bool _redisFailing;
    private bool _sendingLate;

    public AuditWriter(AuditQueue queue, IOptions<AuditOptions> options, RedisConnection redis, GatewayMetrics metrics, TimeProvider time, ILogger<AuditWriter> logger)
    {
        _queue = queue;
        _options = options.Value;
        _redis = redis;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _sender = new AuditStreamSender(_options);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _spool = AuditSpool.Open(_options.SpoolDirectory, _options.InstanceId);
        if (_spool.TruncatedBytes > 0)
        {
            LogTruncated(_logger, _spool.TruncatedBytes);
        }
        _keys = AuditKeys.FromFile(_options.KeyFile!);
        _chain = new AuditChain(_keys, _spool.InstanceId, _spool.Head);
        _sendingLate = _spool.HasUnsent;
        _metrics.ObserveAuditBacklog(() => _queue.Depth, () => _spool.UnsentBytes);
        LogStarted(_logger, _spool.InstanceId, _spool.Head.Sequence, _spool.UnsentBytes, _options.Stream);
        _spoolLoop = Task.Factory.StartNew(SpoolLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _sendLoop = Task.Run(SendLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        using var abandonWhenHostGivesUp = cancellationToken.Register(_abandon.Cancel);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _spoolLoop.ConfigureAwait(false);
        await _sendLoop.ConfigureAwait(false);
        if (_spool is { UnsentBytes: > 0 } spool)
        {
            LogLeftInSpool(_logger, spool.UnsentBytes);
        }
    }

    public void Dispose()
    {
        _spool?.Dispose();
        _keys?.Dispose();
        _stopping.Dispose();
        _abandon.Dispose();
        _spooled.Dispose();
        _spoolThreadWoken.Dispose();
    }

    /// <summary>
    /// Group commit: once an event arrives, the writer waits until <c>FsyncInterval</c> has passed
    /// since the last fsync (or a batch is full), then writes and fsyncs everything queued at once.
    /// Writing and fsyncing each few events as they came cost a busy gateway a fifth of its throughput.
    /// It runs on a thread of its own and blocks there: an fsync takes about a millisecond (several
    /// at times), and on a thread-pool thread it would take one of a small machine's few workers
    /// away from requests every interval.
    /// </summary>
    private void SpoolLoop()
    {
        var reader = _queue.Reader;
        var lines = new ArrayBufferWriter<byte>(64 * 1024);
        var batch = new List<AuditEvent>(_options.BatchSize);
        var lastSync = _time.GetTimestamp();
        while (true)
        {
            var stopping = !WaitForEvents(reader);
            if (!stopping)
            {
                Gather(reader, lastSync);
            }
            while (batch.Count < _options.BatchSize && reader.TryRead(out var auditEvent))
            {
                batch.Add(auditEvent);
            }
            if (batch.Count > 0)
            {
                if (Persist(batch, lines) is var lost and > 0)
                {
                    LogLost(_logger, lost + reader.Count);
                    return;
                }
                batch.Clear();
                _spool!.Sync();
                lastSync = _time.GetTimestamp();
                SignalSender();
            }
            if (stopping && reader.Count == 0)
            {
                return;
            }
        }
    }

    /// <returns>False once the gateway is stopping (events still queued are then drained).</returns>
    private bool WaitForEvents(System.Threading.Channels.ChannelReader<AuditEvent> reader)
    {
        if (_stopping.IsCancellationRequested)
        {
            return false;
        }
        try
        {
            BlockUntilDone(reader.WaitToReadAsync(_stopping.Token).AsTask());
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Lets events gather until <c>FsyncInterval</c> has passed since the last fsync, unless a batch is already full.</summary>
    private void Gather(System.Threading.Channels.ChannelReader<AuditEvent> reader, long lastSync)
    {
        var remaining = _options.FsyncInterval - _time.GetElapsedTime(lastSync);
        if (remaining <= TimeSpan.Zero || reader.Count >= _options.BatchSize)
        {
            return;
        }
        try
        {
            BlockUntilDone(Task.Delay(remaining, _time, _stopping.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopping: what has gathered is written now.
        }
    }

    /// <summary>
    /// Blocks the spool thread until the task ends, and throws what it threw. <c>Task.Wait</c> and
    /// <c>GetResult</c> first spin, giving the core away some 25 times, before they block: for the
    /// wait of milliseconds this thread does twice per batch that is only cost. At 1 000 requests/s
    /// it was three quarters of the thread's context switches (docs/performance.md).
    /// </summary>
    private void BlockUntilDone(Task task)
    {
        if (!task.IsCompleted)
        {
            _spoolThreadWoken.Reset();
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_spoolThreadWoken.Set);
            _spoolThreadWoken.Wait();
        }
        task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Chains the batch's events and appends them to the spool, about a megabyte at a time: an
    /// event listing 10 000 subjects is megabytes of JSON, and a batch of them in one buffer
    /// would keep that much memory for good.
    /// </summary>
    /// <returns>How many of the batch's events were lost because the spool could not be written (those dropped as unwritable are counted already): 0, unless the host gave up waiting.</returns>
    private int Persist(List<AuditEvent> batch, ArrayBufferWriter<byte> lines)
    {
        lines.ResetWrittenCount();
        var spooled = 0;
        var unwritable = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            unwritable += TryChain(batch[i], lines) ? 0 : 1;
            if (lines.WrittenCount >= SpoolWriteBytes || i == batch.Count - 1)
            {
                if (!Append(lines))
                {
                    return batch.Count - spooled - unwritable;
                }
                _metrics.AuditSpooled(i + 1 - spooled - unwritable);
                (spooled, unwritable) = (i + 1, 0);
            }
        }
        return 0;
    }

    /// <summary>
    /// Events are made by the gateway, so one that cannot be serialised is a bug; it is dropped
    /// and logged rather than let it end this loop, which would stop the audit trail of every
    /// request after it. Nothing of it reaches the spool, and the chain goes on unbroken.
    /// </summary>
    private bool TryChain(AuditEvent auditEvent, ArrayBufferWriter<byte> lines)
    {
        try
        {
            _chain!.Append(auditEvent, lines);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _metrics.AuditDropped();
            LogUnwritable(_logger, auditEvent.Id, ex.GetType().Name);
            return false;
        }
        finally
        {
            auditEvent.ReleaseBuffers();
        }
    }

    /// <returns>False only when the host gave up waiting while the spool could not be written.</returns>
    private bool Append(ArrayBufferWriter<byte> lines)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _spool!.Append(lines.WrittenSpan);
                if (attempt > 0)
                {
                    LogSpoolRecovered(_logger);
                }
                _queue.Persisting = true;
                lines.ResetWrittenCount();
                return true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _queue.Persisting = false;
                if (attempt == 0)
                {
                    LogSpoolFailed(_logger, ex.Message);
                }
                try
                {
                    BlockUntilDone(Task.Delay(Backoff(attempt), _time, _abandon.Token));
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }
    }

    private async Task SendLoopAsync()
    {
        var lines = new List<SpoolLine>(_options.BatchSize);
        var failures = 0;
        var lastTrim = (long?)null;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await _spooled.WaitAsync(failures > 0 ? Backoff(failures) : IdlePoll, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            failures = await SendPendingAsync(lines, CancellationToken.None).ConfigureAwait(false) ? 0 : failures + 1;
            if (failures == 0 && (lastTrim is null || _time.GetElapsedTime(lastTrim.Value) >= TrimInterval))
            {
                lastTrim = _time.GetTimestamp();
                await TrimAsync().ConfigureAwait(false);
            }
        }
        await _spoolLoop.ConfigureAwait(false);
        await SendPendingAsync(lines, _abandon.Token).ConfigureAwait(false);
    }

    /// <param name="cancellationToken">Only the host giving up on shutdown: a send cut short by anything else would be sent twice.</param>
    /// <returns>True when Redis has everything spooled and synced so far.</returns>
    private async Task<bool> SendPendingAsync(List<SpoolLine> lines, CancellationToken cancellationToken)
    {
        var database = (await _redis.GetAsync().ConfigureAwait(false)).GetDatabase();
        while (true)
        {
            var end = _spool!.ReadUnsent(lines, _options.BatchSize);
            if (lines.Count == 0)
            {
                _sendingLate = false;
                return true;
            }
            var started = _time.GetTimestamp();
            try
            {
                await _sender.SendAsync(database, lines, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
            {
                if (!_redisFailing)
                {
                    LogRedisFailing(_logger, ex.GetType().Name);
                    _redisFailing = true;
                }
                _sendingLate = true;
                return false;
            }
            _spool.Commit(end);
            _metrics.AuditWritten(lines.Count, _sendingLate, _time.GetElapsedTime(started));
            if (_redisFailing)
            {
                LogRedisRestored(_logger);
                _redisFailing = false;
            }
        }
    }

    private async Task TrimAsync()
    {
        try
        {
            var database = (await _redis.GetAsync().ConfigureAwait(false)).GetDatabase();
            await _sender.TrimAsync(database, _time.GetUtcNow()).WaitAsync(_options.SendTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogTrimFailed(_logger, ex.GetType().Name);
        }
    }

    private void SignalSender()
    {
        if (_spooled.CurrentCount == 0)
        {
            try
            {
                _spooled.Release();
            }
            catch (SemaphoreFullException)
            {
                // The sender is already due to look; one wake-up covers any number of batches.
            }
        }
    }

    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(attempt, 10))));

    [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "Audit trail of instance {InstanceId} continues after sequence {Sequence} ({UnsentBytes} spooled bytes still to send to stream {Stream})")]
    private static partial void LogStarted(ILogger logger, string instanceId, long sequence, long unsentBytes, string stream);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Warning, Message = "The audit spool ended in a half-written event ({Bytes} bytes) left by a crash; it was cut off (that event's request had already ended without it)")]
    private static partial void LogTruncated(ILogger logger, long bytes);

    [LoggerMessage(EventId = 1703, Level = LogLevel.Critical, Message = "Audit events cannot be written to the spool: {Error}. Requests are refused while FailMode is closed; retrying")]
    private static partial void LogSpoolFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1704, Level = LogLevel.Information, Message = "Audit spool writable again")]
    private static partial void LogSpoolRecovered(ILogger logger);

    [LoggerMessage(EventId = 1705, Level = LogLevel.Warning, Message = "Redis does not take audit events ({Error}); they wait in the spool and are sent in order when it answers")]
    private static partial void LogRedisFailing(ILogger logger, string error);

    [LoggerMessage(EventId = 1706, Level = LogLevel.Information, Message = "Redis takes audit events again; the spool is being sent")]
    private static partial void LogRedisRestored(ILogger logger);

    [LoggerMessage(EventId = 1707, Level = LogLevel.Warning, Message = "Stopped with {Bytes} bytes of audit events in the spool; they are sent at the next start")]
    private static partial void LogLeftInSpool(ILogger logger, long bytes);

    [LoggerMessage(EventId = 1708, Level = LogLevel.Warning, Message = "Trimming the audit stream by retention failed: {Error}")]
    private static partial void LogTrimFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1711, Level = LogLevel.Critical, Message = "Audit event {EventId} could not be serialised ({Error}) and was dropped; the events after it are written")]
    private static partial void LogUnwritable(ILogger logger, Guid eventId, string error);

    [LoggerMessage(EventId = 1710, Level = LogLevel.Critical, Message = "Stopped while the spool could not be written: {Count} audit events were lost")]
    private static partial void LogLost(ILogger logger, int count);
}
