namespace Gateway.Audit;

/// <summary>Settings under <c>Gateway:Audit</c>.</summary>
internal sealed class AuditOptions
{
    public const string Section = "Gateway:Audit";

    /// <summary>On by default whenever <c>Gateway:Redis:Configuration</c> is set. Off is not compliant and is warned about at every start.</summary>
    public bool? Enabled { get; set; }

    /// <summary>The Redis Stream key events are added to.</summary>
    public string Stream { get; set; } = "gateway:audit";

    /// <summary>
    /// A secret key (base64 or text, at least 32 bytes). Two keys are derived from it: one for the
    /// events' hash chain, one for the keyed hashes that stand for data subjects' ids.
    /// </summary>
    public string? KeyFile { get; set; }

    /// <summary>Local directory of the spool every event is written to before it goes to Redis. One gateway process per directory.</summary>
    public string SpoolDirectory { get; set; } = "audit-spool";

    /// <summary>Names this gateway in events (its sequence numbers and hash chain are per instance). Unset: generated once and kept in the spool directory.</summary>
    public string? InstanceId { get; set; }

    /// <summary><c>closed</c>: requests get 503 while events can be neither sent nor spooled. <c>open</c>: requests go on and such events are dropped (not compliant).</summary>
    public string FailMode { get; set; } = "closed";

    /// <summary>
    /// When a response may end: <c>queued</c> once its event is in the in-memory queue (a crash can
    /// lose the events of requests answered in the last milliseconds, and shows as a gap);
    /// <c>spooled</c> once its event is fsynced in the spool; <c>stream</c> once Redis confirmed it
    /// (while Redis does not answer: once it is fsynced in the spool).
    /// </summary>
    public string Durability { get; set; } = "queued";

    /// <summary>
    /// Group commit: events gather for up to this long after the last fsync, then are written and
    /// fsynced together (a full batch goes at once). Zero: each batch as soon as it is there.
    /// Unset: 10 ms with <c>Durability=queued</c>, 0 otherwise (a response then waits for the fsync
    /// under way and the next one, which serves every event that arrived meanwhile).
    /// </summary>
    public TimeSpan? FsyncInterval { get; set; }

    /// <summary>Events waiting in memory for the spool writer.</summary>
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary>Events per spool write and per batch sent to Redis (one script that XADDs them all).</summary>
    public int BatchSize { get; set; } = 512;

    /// <summary>Events older than this are trimmed from the stream (MINID), whether or not every consumer has read them.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(400);

    /// <summary>How long one batch of XADDs may take before Redis counts as unreachable and events wait in the spool.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(5);

    internal bool FailsClosed => FailMode == "closed";

    internal AuditDurability DurabilityLevel => Durability switch
    {
        "spooled" => AuditDurability.Spooled,
        "stream" => AuditDurability.Stream,
        _ => AuditDurability.Queued,
    };

    internal TimeSpan GroupCommitDelay => FsyncInterval ?? (DurabilityLevel == AuditDurability.Queued ? TimeSpan.FromMilliseconds(10) : TimeSpan.Zero);
}

/// <summary>What has happened to a request's event before its response may end.</summary>
internal enum AuditDurability
{
    /// <summary>It is queued in memory.</summary>
    Queued,

    /// <summary>It is fsynced in the spool.</summary>
    Spooled,

    /// <summary>Redis confirmed it (or, while Redis does not answer, it is fsynced in the spool).</summary>
    Stream,
}
