using System.Buffers;
using Gateway.Audit;
using Gateway.Redis;
using Gateway.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Audit;

/// <summary>
/// Moves audit events from the in-memory queue to the spool (chained, fsynced) and from the spool
/// to the Redis Stream, on two background loops, and tells each event's recorder once it is kept as
/// far as <c>Durability</c> asks. Redis being down or slow only makes the spool grow; it is sent in
/// order when Redis answers again, and at the next start after a crash, where the first event
/// written says which sequence numbers the crashed process reserved and never wrote. The host stops
/// it after the web server (services stop in reverse order, and the server is registered after the
/// gateway's services), so the requests the server finishes on shutdown have their events: then the
/// queue is drained into the spool and one last attempt is made to send it.
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
    private readonly AuditDurability _durability;
    private readonly SemaphoreSlim _spooled = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abandon = new();
    private readonly ManualResetEventSlim _spoolThreadWoken = new(false, spinCount: 0);
    private readonly List<(long Sequence, TaskCompletionSource<bool> Kept)> _syncing = [];

    /// <summary>With Durability=stream: fsynced events whose recorders wait for Redis, in sequence order.</summary>
    private readonly Queue<(long Sequence, TaskCompletionSource<bool> Kept)> _awaitingStream = new();
    private readonly Lock _streamGate = new();
    private AuditSpool? _spool;
    private AuditKeys? _keys;
    private AuditChain? _chain;
    private AuditSequence? _sequence;
    private AuditStreamSender? _sender;
    private Task<int> _spoolLoop = Task.FromResult(0);
    private Task _sendLoop = Task.CompletedTask;
    private bool _redisFailing;
    private bool _sendingLate;

    /// <summary>Set once the stream's last event under this instance's name turned out not to be in this spool: another process uses the name.</summary>
    private bool _instanceClash;

    public AuditWriter(AuditQueue queue, IOptions<AuditOptions> options, RedisConnection redis, GatewayMetrics metrics, TimeProvider time, ILogger<AuditWriter> logger)
    {
        _queue = queue;
        _options = options.Value;
        _redis = redis;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _durability = _options.DurabilityLevel;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _spool = AuditSpool.Open(_options.SpoolDirectory, _options.InstanceId);
        if (_spool.TruncatedBytes > 0)
        {
            LogTruncated(_logger, _spool.TruncatedBytes);
        }
        _keys = AuditKeys.FromFile(_options.KeyFile!);
        _sequence = AuditSequence.Open(_options.SpoolDirectory, _spool.Head, _options.Durability);
        _chain = new AuditChain(_keys, _spool.InstanceId, _spool.Head);
        _sender = new AuditStreamSender(_options, _spool.InstanceId);
        _sendingLate = _spool.HasUnsent;
        _metrics.ObserveAuditBacklog(() => _queue.Depth, () => _spool.UnsentBytes);
        LogStarted(_logger, _spool.InstanceId, _spool.Head.Sequence, _sequence.LastTaken + 1, _spool.UnsentBytes, _options.Stream);
        AuditRestartEvent? restart = null;
        if (_sequence.Unwritten is { } unwritten)
        {
            LogRestartedAfterCrash(_logger, unwritten.First, unwritten.Last, unwritten.PreviousDurability);
            restart = new AuditRestartEvent(_time.GetUtcNow(), unwritten);
        }
        _queue.Attach(_sequence, restart);
        _spoolLoop = Task.Factory.StartNew(SpoolLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _sendLoop = Task.Run(SendLoopAsync, CancellationToken.None);
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
        var lost = await _spoolLoop.ConfigureAwait(false);
        await _sendLoop.ConfigureAwait(false);
        StreamFailing();
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
        _spooled.Dispose();
        _spoolThreadWoken.Dispose();
    }

    /// <summary>
    /// Group commit: once an event arrives, the writer waits until <c>FsyncInterval</c> has passed
    /// since the last fsync (or a batch is full), then writes and fsyncs everything queued at once.
    /// Writing and fsyncing each few events as they came cost a busy gateway a fifth of its throughput.
    /// With an interval of 0 (the default when responses wait for their events) the events that
    /// arrive during one fsync go together in the next. It runs on a thread of its own and blocks
    /// there: an fsync takes about a millisecond (several at times), and on a thread-pool thread it
    /// would take one of a small machine's few workers away from requests every interval.
    /// </summary>
    /// <returns>How many numbered events were lost because the host gave up while the spool could not be written.</returns>
    private int SpoolLoop()
    {
        var reader = _queue.Reader;
        var lines = new ArrayBufferWriter<byte>(64 * 1024);
        var batch = new List<QueuedAuditEvent>(_options.BatchSize);
        var lastSync = _time.GetTimestamp();
        while (true)
        {
            var stopping = !WaitForEvents(reader);
            if (!stopping)
            {
                Gather(reader, lastSync);
            }
            while (batch.Count < _options.BatchSize && reader.TryRead(out var queued))
            {
                batch.Add(queued);
            }
            if (batch.Count > 0)
            {
                if (Persist(batch, lines) is var lost and > 0)
                {
                    return GiveUp(batch, lost, reader);
                }
                batch.Clear();
                _spool!.Sync();
                lastSync = _time.GetTimestamp();
                Kept();
                SignalSender();
            }
            if (stopping && reader.Count == 0)
            {
                return 0;
            }
        }
    }

    /// <summary>The host gave up while the spool could not be written: what was not spooled is lost, and its recorders are told.</summary>
    private int GiveUp(List<QueuedAuditEvent> batch, int lostInBatch, System.Threading.Channels.ChannelReader<QueuedAuditEvent> reader)
    {
        var lost = lostInBatch;
        foreach (var spooling in batch)
        {
            spooling.Kept?.TrySetResult(false);
        }
        while (reader.TryRead(out var queued))
        {
            lost++;
            queued.Kept?.TrySetResult(false);
            queued.Event.ReleaseBuffers();
        }
        _syncing.Clear();
        LogLost(_logger, lost);
        return lost;
    }

    /// <summary>The events just fsynced: their recorders go on now (spooled), or once Redis has them (stream; at once while Redis fails).</summary>
    private void Kept()
    {
        if (_syncing.Count == 0)
        {
            return;
        }
        if (_durability == AuditDurability.Stream)
        {
            lock (_streamGate)
            {
                if (!_redisFailing)
                {
                    foreach (var waiting in _syncing)
                    {
                        _awaitingStream.Enqueue(waiting);
                    }
                    _syncing.Clear();
                    return;
                }
            }
            _metrics.AuditFellBackToSpool(_syncing.Count);
        }
        foreach (var (_, kept) in _syncing)
        {
            kept.TrySetResult(true);
        }
        _syncing.Clear();
    }

    /// <returns>False once the gateway is stopping or the queue is closed and empty (events still queued are then drained).</returns>
    private bool WaitForEvents(System.Threading.Channels.ChannelReader<QueuedAuditEvent> reader)
    {
        if (_stopping.IsCancellationRequested)
        {
            return false;
        }
        try
        {
            var waiting = reader.WaitToReadAsync(_stopping.Token).AsTask();
            BlockUntilDone(waiting);
            return waiting.Result;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Lets events gather until <c>FsyncInterval</c> has passed since the last fsync, unless a batch is already full.</summary>
    private void Gather(System.Threading.Channels.ChannelReader<QueuedAuditEvent> reader, long lastSync)
    {
        var remaining = _options.GroupCommitDelay - _time.GetElapsedTime(lastSync);
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
    private int Persist(List<QueuedAuditEvent> batch, ArrayBufferWriter<byte> lines)
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
    /// request after it. Nothing of it reaches the spool; its number is a gap over which the chain
    /// holds (the next event names the hash of the one before it), and a waiting response is aborted.
    /// </summary>
    private bool TryChain(QueuedAuditEvent queued, ArrayBufferWriter<byte> lines)
    {
        var auditEvent = queued.Event;
        try
        {
            _chain!.Append(auditEvent, lines);
            if (queued.Kept is { } kept)
            {
                _syncing.Add((auditEvent.Sequence, kept));
            }
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _metrics.AuditDropped();
            LogUnwritable(_logger, auditEvent.Id, auditEvent.Sequence, ex.GetType().Name);
            queued.Kept?.TrySetResult(false);
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
            ChainHead? alreadyThere;
            try
            {
                alreadyThere = await _sender!.SendAsync(database, lines, _time.GetUtcNow(), _instanceClash, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
            {
                if (!_redisFailing)
                {
                    LogRedisFailing(_logger, ex.GetType().Name);
                }
                _sendingLate = true;
                StreamFailing();
                return false;
            }
            if (alreadyThere is { } last)
            {
                SkipWhatTheStreamHas(last, lines);
                continue;
            }
            var through = lines[^1].Sequence;
            _spool.Commit(end);
            _metrics.AuditWritten(lines.Count, _sendingLate, _time.GetElapsedTime(started));
            if (_redisFailing)
            {
                LogRedisRestored(_logger);
            }
            StreamConfirmed(through);
        }
    }

    /// <summary>
    /// Redis refused a batch because the stream already has this instance's events up to
    /// <paramref name="last"/>: a batch that timed out had arrived after all, or a restart sends
    /// again what Redis had confirmed after the checkpoint was last written. If this spool holds that
    /// very event (same number, same hash, which covers every event before it through the chain),
    /// everything up to it is committed without being sent. If it does not, another process writes
    /// under this instance's name: nothing is skipped, and from now on batches are added whatever the
    /// stream holds, so that <c>audit verify</c> shows the clash rather than events going missing.
    /// </summary>
    private void SkipWhatTheStreamHas(ChainHead last, List<SpoolLine> lines)
    {
        if (FindInSpool(last, lines) is not { } through)
        {
            LogInstanceClash(_logger, _spool!.InstanceId, last.Sequence, _options.Stream);
            _instanceClash = true;
            return;
        }
        var skipped = 0;
        while (true)
        {
            _spool!.ReadUnsent(lines, _options.BatchSize);
            var upTo = lines.FindLastIndex(line => line.End.CompareTo(through) <= 0);
            if (upTo < 0)
            {
                break;
            }
            skipped += upTo + 1;
            _spool.Commit(lines[upTo].End);
            if (lines[upTo].End == through)
            {
                break;
            }
        }
        _metrics.AuditSkipped(skipped);
        LogSkipped(_logger, skipped, last.Sequence);
        StreamConfirmed(last.Sequence);
    }

    /// <returns>Where the line of <paramref name="last"/> ends in the unsent spool, or null if the spool does not hold it.</returns>
    private SpoolPosition? FindInSpool(ChainHead last, List<SpoolLine> lines)
    {
        var end = _spool!.ReadUnsent(lines, _options.BatchSize);
        while (lines.Count > 0)
        {
            foreach (var line in lines)
            {
                if (line.Sequence < last.Sequence)
                {
                    continue;
                }
                return line.Sequence == last.Sequence && line.Hash.Span.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(last.Hash)) ? line.End : null;
            }
            end = _spool.ReadAfter(end, lines, _options.BatchSize);
        }
        return null;
    }

    /// <summary>Redis has this instance's events up to <paramref name="through"/>: with Durability=stream, their recorders go on.</summary>
    private void StreamConfirmed(long through)
    {
        lock (_streamGate)
        {
            _redisFailing = false;
            while (_awaitingStream.TryPeek(out var waiting) && waiting.Sequence <= through)
            {
                _awaitingStream.Dequeue().Kept.TrySetResult(true);
            }
        }
    }

    /// <summary>
    /// Redis does not take events (or the writer is stopping): with Durability=stream, the recorders
    /// of events already fsynced go on, as do those of events fsynced until Redis takes events
    /// again. Their events are sent when it does.
    /// </summary>
    private void StreamFailing()
    {
        var released = 0;
        lock (_streamGate)
        {
            _redisFailing = true;
            while (_awaitingStream.TryDequeue(out var waiting))
            {
                waiting.Kept.TrySetResult(true);
                released++;
            }
        }
        if (released > 0)
        {
            _metrics.AuditFellBackToSpool(released);
        }
    }

    private async Task TrimAsync()
    {
        try
        {
            var database = (await _redis.GetAsync().ConfigureAwait(false)).GetDatabase();
            await _sender!.TrimAsync(database, _time.GetUtcNow()).WaitAsync(_options.SendTimeout).ConfigureAwait(false);
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

    [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "Audit trail of instance {InstanceId} continues after sequence {Sequence}, the last event spooled; the next event gets {Next} ({UnsentBytes} spooled bytes still to send to stream {Stream})")]
    private static partial void LogStarted(ILogger logger, string instanceId, long sequence, long next, long unsentBytes, string stream);

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

    [LoggerMessage(EventId = 1711, Level = LogLevel.Critical, Message = "Audit event {EventId} (sequence {Sequence}) could not be serialised ({Error}) and was dropped; the events after it are written")]
    private static partial void LogUnwritable(ILogger logger, Guid eventId, long sequence, string error);

    [LoggerMessage(EventId = 1713, Level = LogLevel.Warning, Message = "The previous gateway process ended without stopping (Durability={PreviousDurability}); sequence numbers {First} to {Last} it had reserved were not written, and the first event written says so")]
    private static partial void LogRestartedAfterCrash(ILogger logger, long first, long last, string previousDurability);

    [LoggerMessage(EventId = 1714, Level = LogLevel.Information, Message = "{Count} spooled audit events were already in the stream (up to sequence {Sequence}) and were not sent again")]
    private static partial void LogSkipped(ILogger logger, int count, long sequence);

    [LoggerMessage(EventId = 1715, Level = LogLevel.Critical, Message = "The audit stream {Stream} holds events of instance {InstanceId} up to sequence {Sequence} that are not in this gateway's spool: another process uses the same Gateway:Audit:InstanceId. Events are added anyway; audit verify reports the clash")]
    private static partial void LogInstanceClash(ILogger logger, string instanceId, long sequence, string stream);

    [LoggerMessage(EventId = 1716, Level = LogLevel.Error, Message = "The clean stop of the audit trail could not be recorded ({Error}); the next start reports the numbers reserved as unwritten")]
    private static partial void LogStopNotRecorded(ILogger logger, string error);

    [LoggerMessage(EventId = 1710, Level = LogLevel.Critical, Message = "Stopped while the spool could not be written: {Count} audit events were lost")]
    private static partial void LogLost(ILogger logger, int count);
}
