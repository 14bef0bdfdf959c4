using Gateway.Redis;
using Gateway.Telemetry;
using StackExchange.Redis;

namespace Gateway.Audit;

/// <summary>
/// Sends the spool to the Redis Stream, in order, a batch at a time, whenever the spool pump has
/// fsynced more and at least every second; backs off while Redis fails, and trims the stream by
/// retention. Redis being down or slow only makes the spool grow. When the gateway stops, a send
/// under way is no longer waited for, and one last attempt is made once the spool pump has drained
/// the queue, if Redis answers: with Redis down the events stay in the spool, fsynced, for the next
/// start, and the gateway does not wait out a send timeout to learn that.
/// </summary>
internal sealed partial class AuditStreamPump : IDisposable
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long stopping waits for a first connection attempt still under way before the last send:
    /// a Redis that is up connects in milliseconds, one that is down would hold the stop for the
    /// whole connect timeout.
    /// </summary>
    private static readonly TimeSpan LastSendConnectWait = TimeSpan.FromSeconds(1);

    /// <summary>Every batch sent trims the stream too; this is for a gateway without traffic, whose old events must still go.</summary>
    private static readonly TimeSpan TrimInterval = TimeSpan.FromMinutes(1);

    private readonly AuditSpool _spool;
    private readonly AuditStreamSender _sender;
    private readonly AuditRecorders _recorders;
    private readonly AuditOptions _options;
    private readonly RedisConnection _redis;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly CancellationToken _abandon;
    private readonly SemaphoreSlim _spooled = new(0, 1);

    /// <summary>Whether events are sent later than spooled: at start with a spool left to send, and after Redis failed.</summary>
    private bool _sendingLate;

    /// <summary>Set once the stream's last event under this instance's name turned out not to be in this spool: another process uses the name.</summary>
    private bool _instanceClash;

    public AuditStreamPump(AuditSpool spool, AuditRecorders recorders, AuditOptions options, RedisConnection redis, GatewayMetrics metrics, TimeProvider time,
        ILogger logger, CancellationToken stopping, CancellationToken abandon)
    {
        _spool = spool;
        _sender = new AuditStreamSender(options, spool.InstanceId, time);
        _recorders = recorders;
        _options = options;
        _redis = redis;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _stopping = stopping;
        _abandon = abandon;
        _sendingLate = spool.HasUnsent;
    }

    /// <summary>Sends until the gateway stops, then once more after <paramref name="spooling"/> (the spool pump) has drained the queue.</summary>
    public Task Start(Task spooling) => Task.Run(() => RunAsync(spooling), CancellationToken.None);

    /// <summary>The spool has more: the loop looks now rather than at its next poll.</summary>
    public void Wake()
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

    public void Dispose() => _spooled.Dispose();

    private async Task RunAsync(Task spooling)
    {
        var lines = new List<SpoolLine>(_options.BatchSize);
        var failures = 0;
        var lastTrim = (long?)null;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await WaitForWakeAsync(failures > 0 ? AuditBackoff.After(failures) : IdlePoll).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            failures = await SendPendingAsync(lines, _stopping).ConfigureAwait(false) ? 0 : failures + 1;
            if (failures == 0 && (lastTrim is null || _time.GetElapsedTime(lastTrim.Value) >= TrimInterval))
            {
                lastTrim = _time.GetTimestamp();
                await TrimAsync().ConfigureAwait(false);
            }
        }
        await spooling.ConfigureAwait(false);
        if (await ConnectedForLastSendAsync().ConfigureAwait(false))
        {
            await SendPendingAsync(lines, _abandon).ConfigureAwait(false);
        }
    }

    /// <summary>Until <see cref="Wake"/>, or <paramref name="poll"/> on the gateway's clock, whichever comes first; throws once the gateway stops.</summary>
    private async Task WaitForWakeAsync(TimeSpan poll)
    {
        using var timer = new CancellationTokenSource(poll, _time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, _stopping);
        try
        {
            await _spooled.WaitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
        {
            // The poll is due.
        }
    }

    /// <summary>
    /// Whether the last send is worth trying: Redis answers, or the first connection attempt, still
    /// under way (a gateway stopped just after it started), connects within <see cref="LastSendConnectWait"/>.
    /// </summary>
    private async Task<bool> ConnectedForLastSendAsync()
    {
        if (_redis.Established is null)
        {
            using var timer = new CancellationTokenSource(LastSendConnectWait, _time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, _abandon);
            try
            {
                await _redis.GetAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        return _redis.IsConnected;
    }

    /// <param name="cancellationToken">
    /// Stops waiting for Redis (the gateway stops, or the host gives up on stopping). A batch given up
    /// on may still reach Redis later; sent again, the script refuses it, and <see cref="SkipWhatTheStreamHas"/>
    /// goes on after it.
    /// </param>
    /// <returns>True when Redis has everything spooled and synced so far.</returns>
    private async Task<bool> SendPendingAsync(List<SpoolLine> lines, CancellationToken cancellationToken)
    {
        IDatabase database;
        try
        {
            database = (await _redis.GetAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        while (true)
        {
            var end = _spool.ReadUnsent(lines, _options.BatchSize);
            if (lines.Count == 0)
            {
                _sendingLate = false;
                return true;
            }
            var started = _time.GetTimestamp();
            ChainHead? alreadyThere;
            try
            {
                alreadyThere = await _sender.SendAsync(database, lines, _time.GetUtcNow(), _instanceClash, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
            {
                if (!_recorders.RedisFailing)
                {
                    LogRedisFailing(_logger, ex.GetType().Name);
                }
                _sendingLate = true;
                _recorders.StreamFailing();
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
            if (_recorders.RedisFailing)
            {
                LogRedisRestored(_logger);
            }
            _recorders.StreamConfirmed(through);
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
            LogInstanceClash(_logger, _spool.InstanceId, last.Sequence, _options.Stream);
            _instanceClash = true;
            return;
        }
        var skipped = 0;
        while (true)
        {
            _spool.ReadUnsent(lines, _options.BatchSize);
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
        _recorders.StreamConfirmed(last.Sequence);
    }

    /// <returns>Where the line of <paramref name="last"/> ends in the unsent spool, or null if the spool does not hold it.</returns>
    private SpoolPosition? FindInSpool(ChainHead last, List<SpoolLine> lines)
    {
        var end = _spool.ReadUnsent(lines, _options.BatchSize);
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

    private async Task TrimAsync()
    {
        try
        {
            var database = (await _redis.GetAsync(_stopping).ConfigureAwait(false)).GetDatabase();
            await _sender.TrimAsync(database, _time.GetUtcNow()).WaitAsync(_options.SendTimeout, _time, _stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogTrimFailed(_logger, ex.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 1705, Level = LogLevel.Warning, Message = "Redis does not take audit events ({Error}); they wait in the spool and are sent in order when it answers")]
    private static partial void LogRedisFailing(ILogger logger, string error);

    [LoggerMessage(EventId = 1706, Level = LogLevel.Information, Message = "Redis takes audit events again; the spool is being sent")]
    private static partial void LogRedisRestored(ILogger logger);

    [LoggerMessage(EventId = 1708, Level = LogLevel.Warning, Message = "Trimming the audit stream by retention failed: {Error}")]
    private static partial void LogTrimFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1714, Level = LogLevel.Information, Message = "{Count} spooled audit events were already in the stream (up to sequence {Sequence}) and were not sent again")]
    private static partial void LogSkipped(ILogger logger, int count, long sequence);

    [LoggerMessage(EventId = 1715, Level = LogLevel.Critical, Message = "The audit stream {Stream} holds events of instance {InstanceId} up to sequence {Sequence} that are not in this gateway's spool: another process uses the same Gateway:Audit:InstanceId. Events are added anyway; audit verify reports the clash")]
    private static partial void LogInstanceClash(ILogger logger, string instanceId, long sequence, string stream);
}
