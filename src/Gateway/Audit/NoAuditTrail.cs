namespace Gateway.Audit;

/// <summary>Stands in when auditing is switched off (warned about at every start): events are not kept.</summary>
internal sealed class NoAuditTrail : IAuditTrail
{
    public bool CanAccept => true;

    public bool KeepsEvents => false;

    public ValueTask<bool> RecordAsync(AuditEvent auditEvent) => ValueTask.FromResult(true);
}
