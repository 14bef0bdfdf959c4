using System.Buffers;
using System.Threading.Channels;
using Gateway.Telemetry;

namespace Gateway.Audit;

/// <summary>
/// Moves events from the in-memory queue to the spool: chained, appended and fsynced a batch at a
/// time, on a thread of its own. Group commit: once an event arrives, it waits until
/// <c>FsyncInterval</c> has passed since the last fsync (or a batch is full), then writes and fsyncs
/// everything queued at once. Writing and fsyncing each few events as they came cost a busy gateway
/// a fifth of its throughput. With an interval of 0 (the default when responses wait for their
/// events) the events that arrive during one fsync go together in the next. It blocks its thread:
/// an fsync takes about a millisecond (several at times), and on a thread-pool thread it would take
/// one of a small machine's few workers away from requests every interval.
/// </summary>
internal sealed partial class AuditSpoolPump : IDisposable
{
    /// <summary>About how much chained JSON is appended to the spool at a time.</summary>
    private const int SpoolWriteBytes = 1024 * 1024;

    private readonly AuditQueue _queue;
    private readonly AuditSpool _spool;
    private readonly AuditChain _chain;
    private readonly AuditRecorders _recorders;
    private readonly AuditOptions _options;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action _spooled;
    private readonly CancellationToken _stopping;
    private readonly CancellationToken _abandon;
    private readonly ManualResetEventSlim _threadWoken = new(false, spinCount: 0);

    /// <param name="spooled">Called after each fsync, to wake the sender.</param>
    /// <param name="stopping">The gateway is stopping: what is queued is drained into the spool.</param>
    /// <param name="abandon">The host gave up waiting: what cannot be spooled now is lost.</param>
    public AuditSpoolPump(AuditQueue queue, AuditSpool spool, AuditChain chain, AuditRecorders recorders, AuditOptions options, GatewayMetrics metrics,
        TimeProvider time, ILogger logger, Action spooled, CancellationToken stopping, CancellationToken abandon)
    {
        _queue = queue;
        _spool = spool;
        _chain = chain;
        _recorders = recorders;
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _spooled = spooled;
        _stopping = stopping;
        _abandon = abandon;
    }

    /// <summary>Runs on a thread of its own until the gateway stops and the queue is drained.</summary>
    /// <returns>How many numbered events were lost because the host gave up while the spool could not be written.</returns>
    public Task<int> Start() => Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Only once the pump's thread is done.</summary>
    public void Dispose() => _threadWoken.Dispose();

    private int Run()
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
                _spool.Sync();
                lastSync = _time.GetTimestamp();
                _recorders.Fsynced();
                _spooled();
            }
            if (stopping && reader.Count == 0)
            {
                return 0;
            }
        }
    }

    /// <summary>The host gave up while the spool could not be written: what was not spooled is lost, and its recorders are told.</summary>
    private int GiveUp(List<QueuedAuditEvent> batch, int lostInBatch, ChannelReader<QueuedAuditEvent> reader)
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
        _recorders.BatchLost();
        LogLost(_logger, lost);
        return lost;
    }

    /// <returns>False once the gateway is stopping or the queue is closed and empty (events still queued are then drained).</returns>
    private bool WaitForEvents(ChannelReader<QueuedAuditEvent> reader)
    {
        if (_stopping.IsCancellationRequested)
        {
            return false;
        }
        try
        {
            var waiting = reader.WaitToReadAsync(_stopping).AsTask();
            BlockUntilDone(waiting);
            return waiting.Result;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Lets events gather until <c>FsyncInterval</c> has passed since the last fsync, unless a batch is already full.</summary>
    private void Gather(ChannelReader<QueuedAuditEvent> reader, long lastSync)
    {
        var remaining = _options.GroupCommitDelay - _time.GetElapsedTime(lastSync);
        if (remaining <= TimeSpan.Zero || reader.Count >= _options.BatchSize)
        {
            return;
        }
        try
        {
            BlockUntilDone(Task.Delay(remaining, _time, _stopping));
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
            _threadWoken.Reset();
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_threadWoken.Set);
            _threadWoken.Wait();
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
            _chain.Append(auditEvent, lines);
            if (queued.Kept is { } kept)
            {
                _recorders.Chained(auditEvent.Sequence, kept);
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
                _spool.Append(lines.WrittenSpan);
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
                    BlockUntilDone(Task.Delay(AuditBackoff.After(attempt), _time, _abandon));
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }
    }

    [LoggerMessage(EventId = 1703, Level = LogLevel.Critical, Message = "Audit events cannot be written to the spool: {Error}. Requests are refused while FailMode is closed; retrying")]
    private static partial void LogSpoolFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1704, Level = LogLevel.Information, Message = "Audit spool writable again")]
    private static partial void LogSpoolRecovered(ILogger logger);

    [LoggerMessage(EventId = 1711, Level = LogLevel.Critical, Message = "Audit event {EventId} (sequence {Sequence}) could not be serialised ({Error}) and was dropped; the events after it are written")]
    private static partial void LogUnwritable(ILogger logger, Guid eventId, long sequence, string error);

    [LoggerMessage(EventId = 1710, Level = LogLevel.Critical, Message = "Stopped while the spool could not be written: {Count} audit events were lost")]
    private static partial void LogLost(ILogger logger, int count);
}
