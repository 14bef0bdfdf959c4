using System.Threading.Channels;
using Gateway.Core.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Core.Audit;

/// <summary>The bounded in-memory queue between the request path and the audit writer.</summary>
internal sealed partial class AuditQueue : IAuditTrail
{
    private readonly Channel<AuditEvent> _channel;
    private readonly bool _failsClosed;
    private readonly int _capacity;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<AuditQueue> _logger;
    private volatile bool _persisting = true;

    public AuditQueue(IOptions<AuditOptions> options, GatewayMetrics metrics, ILogger<AuditQueue> logger)
    {
        _capacity = options.Value.QueueCapacity;
        _failsClosed = options.Value.FailsClosed;
        _metrics = metrics;
        _logger = logger;
        _channel = Channel.CreateBounded<AuditEvent>(new BoundedChannelOptions(_capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    public bool CanAccept => _persisting && _channel.Reader.Count < _capacity;

    public int Depth => _channel.Reader.Count;

    internal ChannelReader<AuditEvent> Reader => _channel.Reader;

    /// <summary>Set by the writer: false while the spool cannot be written.</summary>
    internal bool Persisting
    {
        set => _persisting = value;
    }

    public ValueTask RecordAsync(AuditEvent auditEvent)
    {
        if (_channel.Writer.TryWrite(auditEvent))
        {
            _metrics.AuditQueued();
            return ValueTask.CompletedTask;
        }
        if (_failsClosed)
        {
            return WaitForRoomAsync(auditEvent);
        }
        _metrics.AuditDropped();
        LogDropped(_logger, auditEvent.Id);
        auditEvent.ReleaseBuffers();
        return ValueTask.CompletedTask;
    }

    private async ValueTask WaitForRoomAsync(AuditEvent auditEvent)
    {
        await _channel.Writer.WriteAsync(auditEvent).ConfigureAwait(false);
        _metrics.AuditQueued();
    }

    [LoggerMessage(EventId = 1702, Level = LogLevel.Error, Message = "Audit queue full: event {EventId} dropped (Gateway:Audit:FailMode=open)")]
    private static partial void LogDropped(ILogger logger, Guid eventId);
}
