namespace Gateway.Audit;

/// <summary>An event in the audit queue, with what its recorder waits for.</summary>
/// <param name="Kept">
/// With <c>Durability</c> spooled or stream: completed by the writer with true once the event is
/// kept that far, with false if it never will be (it could not be serialised, or the process is
/// stopping without it). Null with <c>Durability=queued</c>.
/// </param>
internal readonly record struct QueuedAuditEvent(AuditEvent Event, TaskCompletionSource<bool>? Kept);
