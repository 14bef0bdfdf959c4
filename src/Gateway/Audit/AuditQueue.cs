using System.Threading.Channels;
using Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace Gateway.Audit;

/// <summary>
/// The bounded in-memory queue between the request path and the audit writer. Each event gets its
/// sequence number here, as it is queued (in the same order), from numbers reserved durably: an
/// event lost with the process after this point leaves a gap in the stream. With
/// <c>Durability</c> spooled or stream, recording completes only once the writer has kept the event
/// that far.
/// </summary>
internal sealed partial class AuditQueue : IAuditTrail
{
    private static readonly ValueTask<bool> QueuedIsKept = ValueTask.FromResult(true);
    private static readonly ValueTask<bool> NotKept = ValueTask.FromResult(false);

    private readonly Channel<QueuedAuditEvent> _channel;
    private readonly bool _failsClosed;
    private readonly bool _waitsForWriter;
    private readonly int _capacity;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<AuditQueue> _logger;
    private readonly Lock _numbering = new();
    private readonly TaskCompletionSource _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private AuditSequence? _sequence;
    private bool _closed;
    private volatile bool _persisting = true;

    public AuditQueue(IOptions<AuditOptions> options, GatewayMetrics metrics, ILogger<AuditQueue> logger)
    {
        _capacity = options.Value.QueueCapacity;
        _failsClosed = options.Value.FailsClosed;
        _waitsForWriter = options.Value.DurabilityLevel != AuditDurability.Queued;
        _metrics = metrics;
        _logger = logger;
        _channel = Channel.CreateBounded<QueuedAuditEvent>(new BoundedChannelOptions(_capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    public bool CanAccept => _persisting && _channel.Reader.Count < _capacity
        && (_sequence is not { } sequence || sequence.HasReserved || sequence.ReserveFailure is null);

    public int Depth => _channel.Reader.Count;

    internal ChannelReader<QueuedAuditEvent> Reader => _channel.Reader;

    /// <summary>Set by the writer: false while the spool cannot be written.</summary>
    internal bool Persisting
    {
        set => _persisting = value;
    }

    /// <summary>
    /// Called by the writer once it has opened the spool: numbers are handed out from here on (events
    /// recorded before wait for it). <paramref name="first"/>, if any, takes the first number.
    /// </summary>
    internal void Attach(AuditSequence sequence, AuditEvent? first)
    {
        lock (_numbering)
        {
            _sequence = sequence;
            if (first is not null && sequence.TryTake(out var number))
            {
                first.Sequence = number;
                _channel.Writer.TryWrite(new QueuedAuditEvent(first, Kept: null));
            }
        }
        _attached.TrySetResult();
    }

    /// <summary>
    /// Called by the writer when it stops: no number is handed out after this, so the last one it
    /// records as used stays the last. Events recorded later are lost, and counted.
    /// </summary>
    /// <returns>The last number handed out.</returns>
    internal long Close()
    {
        lock (_numbering)
        {
            _closed = true;
            _channel.Writer.TryComplete();
            _attached.TrySetResult();
            return _sequence?.LastTaken ?? 0;
        }
    }

    public ValueTask<bool> RecordAsync(AuditEvent auditEvent)
    {
        var kept = _waitsForWriter ? new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        return TryNumberAndQueue(auditEvent, kept) switch
        {
            QueueOutcome.Queued => kept is not null ? new ValueTask<bool>(kept.Task) : QueuedIsKept,
            QueueOutcome.Dropped => Drop(auditEvent),
            QueueOutcome.Closed => Lost(auditEvent),
            _ => RecordSlowlyAsync(auditEvent, kept),
        };
    }

    /// <summary>The queue is full (failing closed), no number is reserved yet, or the writer has not started: wait.</summary>
    private async ValueTask<bool> RecordSlowlyAsync(AuditEvent auditEvent, TaskCompletionSource<bool>? kept)
    {
        while (true)
        {
            await _attached.Task.ConfigureAwait(false);
            if (_sequence is { HasReserved: false } sequence)
            {
                await sequence.WaitForReservationAsync().ConfigureAwait(false);
            }
            else if (_channel.Reader.Count >= _capacity && !await _channel.Writer.WaitToWriteAsync().ConfigureAwait(false))
            {
                return await Lost(auditEvent).ConfigureAwait(false);
            }
            switch (TryNumberAndQueue(auditEvent, kept))
            {
                case QueueOutcome.Queued:
                    return kept is null || await kept.Task.ConfigureAwait(false);
                case QueueOutcome.Dropped:
                    return await Drop(auditEvent).ConfigureAwait(false);
                case QueueOutcome.Closed:
                    return await Lost(auditEvent).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Numbers and queues the event in one step, so that events are queued in the order of their
    /// numbers. Failing open with the queue full, the event still takes its number and is dropped:
    /// the loss is a gap in the stream, not a silence.
    /// </summary>
    private QueueOutcome TryNumberAndQueue(AuditEvent auditEvent, TaskCompletionSource<bool>? kept)
    {
        lock (_numbering)
        {
            if (_closed)
            {
                return QueueOutcome.Closed;
            }
            // Only this lock's holder writes, so with room now the write below succeeds: a number is never taken for an event that is neither queued nor counted as dropped.
            var full = _channel.Reader.Count >= _capacity;
            if (_sequence is not { } sequence || (full && _failsClosed) || !sequence.TryTake(out var number))
            {
                return QueueOutcome.Wait;
            }
            auditEvent.Sequence = number;
            if (full)
            {
                return QueueOutcome.Dropped;
            }
            _channel.Writer.TryWrite(new QueuedAuditEvent(auditEvent, kept));
        }
        _metrics.AuditQueued();
        return QueueOutcome.Queued;
    }

    /// <summary>FailMode=open and the queue is full: the event goes (not compliant, counted, and a gap in the stream).</summary>
    private ValueTask<bool> Drop(AuditEvent auditEvent)
    {
        _metrics.AuditDropped();
        LogDropped(_logger, auditEvent.Id, auditEvent.Sequence);
        auditEvent.ReleaseBuffers();
        return NotKept;
    }

    private ValueTask<bool> Lost(AuditEvent auditEvent)
    {
        _metrics.AuditDropped();
        LogRecordedAfterStop(_logger, auditEvent.Id);
        auditEvent.ReleaseBuffers();
        return NotKept;
    }

    private enum QueueOutcome
    {
        Queued,
        Dropped,
        Wait,
        Closed,
    }

    [LoggerMessage(EventId = 1702, Level = LogLevel.Error, Message = "Audit queue full: event {EventId} (sequence {Sequence}) dropped (Gateway:Audit:FailMode=open)")]
    private static partial void LogDropped(ILogger logger, Guid eventId, long sequence);

    [LoggerMessage(EventId = 1712, Level = LogLevel.Error, Message = "Audit event {EventId} was recorded after the audit writer stopped and is lost")]
    private static partial void LogRecordedAfterStop(ILogger logger, Guid eventId);
}
