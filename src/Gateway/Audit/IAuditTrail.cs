namespace Gateway.Audit;

/// <summary>Where stages hand audit events. Recording does no I/O; the audit writer persists events in the background.</summary>
internal interface IAuditTrail
{
    /// <summary>False while events could be neither spooled nor sent, or the queue is full: a fail-closed gateway then refuses requests.</summary>
    bool CanAccept { get; }

    /// <summary>
    /// False when auditing is off: then nothing reads the subjects and consent decisions a
    /// response's event would list, and the masker does not gather them.
    /// </summary>
    bool KeepsEvents => true;

    /// <summary>
    /// Numbers and queues <paramref name="auditEvent"/>, and completes once it is kept as far as
    /// <c>Gateway:Audit:Durability</c> asks: at once when queued, after its fsync when spooled, after
    /// Redis confirmed it when stream. With FailMode=closed a full queue makes the caller wait rather
    /// than lose it.
    /// </summary>
    /// <returns>False when the event was not kept: dropped (FailMode=open), recorded after the writer stopped, or unwritable.</returns>
    ValueTask<bool> RecordAsync(AuditEvent auditEvent);
}
