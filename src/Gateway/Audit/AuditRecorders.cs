using Gateway.Telemetry;

namespace Gateway.Audit;

/// <summary>
/// Tells each event's recorder once its event is kept as far as <c>Durability</c> asks: once it is
/// fsynced in the spool (spooled), or once Redis has it (stream; while Redis does not take events,
/// once it is fsynced). Events are numbered in queue order and spooled and sent in that order, so
/// the recorders waiting for Redis form a queue.
/// </summary>
internal sealed class AuditRecorders(AuditDurability durability, GatewayMetrics metrics, AuditStreamLag lag)
{
    /// <summary>Chained events of the batch being spooled, whose recorders wait for its fsync. The spool thread's only.</summary>
    private readonly List<(long Sequence, TaskCompletionSource<bool> Kept)> _syncing = [];

    /// <summary>With Durability=stream: fsynced events whose recorders wait for Redis, in sequence order.</summary>
    private readonly Queue<(long Sequence, TaskCompletionSource<bool> Kept)> _awaitingStream = new();
    private readonly Lock _streamGate = new();
    private bool _redisFailing;

    /// <summary>Whether the last send to Redis failed (for the log: failing and recovering are each said once).</summary>
    public bool RedisFailing
    {
        get
        {
            lock (_streamGate)
            {
                return _redisFailing;
            }
        }
    }

    /// <summary>The event numbered <paramref name="sequence"/> is chained into the batch being spooled.</summary>
    public void Chained(long sequence, TaskCompletionSource<bool> kept) => _syncing.Add((sequence, kept));

    /// <summary>The batch could not be spooled: its recorders are told by whoever gives up on it.</summary>
    public void BatchLost() => _syncing.Clear();

    /// <summary>The events just fsynced: their recorders go on now (spooled), or once Redis has them (stream; at once while Redis fails).</summary>
    public void Fsynced()
    {
        if (_syncing.Count == 0)
        {
            return;
        }
        lag.Spooled(_syncing[^1].Sequence);
        if (durability == AuditDurability.Stream)
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
            metrics.AuditFellBackToSpool(_syncing.Count);
        }
        foreach (var (_, kept) in _syncing)
        {
            kept.TrySetResult(true);
        }
        _syncing.Clear();
    }

    /// <summary>Redis has this instance's events up to <paramref name="through"/>: with Durability=stream, their recorders go on.</summary>
    public void StreamConfirmed(long through)
    {
        lag.Confirmed(through);
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
    public void StreamFailing()
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
            metrics.AuditFellBackToSpool(released);
        }
    }
}
