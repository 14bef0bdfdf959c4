namespace Gateway.Core.Audit;

/// <summary>Where stages hand audit events. Recording does no I/O; the audit writer persists events in the background.</summary>
public interface IAuditTrail
{
    /// <summary>False while events could be neither spooled nor sent, or the queue is full: a fail-closed gateway then refuses requests.</summary>
    bool CanAccept { get; }

    /// <summary>
    /// False when auditing is off: then nothing reads the subjects and consent decisions a
    /// response's event would list, and the masker does not gather them.
    /// </summary>
    bool KeepsEvents => true;

    /// <summary>Queues <paramref name="auditEvent"/>. With FailMode=closed a full queue makes the caller wait rather than lose it.</summary>
    ValueTask RecordAsync(AuditEvent auditEvent);
}
