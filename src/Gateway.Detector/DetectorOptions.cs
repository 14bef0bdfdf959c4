namespace Gateway.Detector;

/// <summary>
/// Settings under <c>Gateway:Detector</c>, the same whether the detector runs in its own process or
/// inside the gateway. Checked by <see cref="DetectorOptionsCheck"/>, which reports every error at once.
/// </summary>
public sealed class DetectorOptions
{
    public const string Section = "Gateway:Detector";

    /// <summary>Run the detector inside the gateway (small deployments, the demo). Read by the gateway only.</summary>
    public bool InProcess { get; set; }

    /// <summary>The audit stream to read. Unset: <c>Gateway:Audit:Stream</c> (the hosts fill it in).</summary>
    public string? AuditStream { get; set; }

    /// <summary>The consumer group the detector reads the audit stream through.</summary>
    public string Group { get; set; } = "detector";

    /// <summary>This worker's name in the group. Unset: host name and process id.</summary>
    public string? Consumer { get; set; }

    /// <summary>Where a new group starts: <c>new</c> (events added from now on) or <c>oldest</c> (the whole stream, e.g. to learn baselines from history).</summary>
    public string StartFrom { get; set; } = "new";

    /// <summary>The stream alerts (OCSF Detection Finding) are added to.</summary>
    public string AlertsStream { get; set; } = "gateway:alerts";

    /// <summary>Prefix of the detector's own keys: baselines, alert state, the worker lease.</summary>
    public string KeyPrefix { get; set; } = "gateway:detector";

    /// <summary>Entries read per XREADGROUP.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>Polling: the wait after an empty read starts here and doubles up to <see cref="MaxPollInterval"/>.</summary>
    public TimeSpan MinPollInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Entries another consumer left unacknowledged this long are claimed (XAUTOCLAIM): that consumer crashed.</summary>
    public TimeSpan ClaimIdle { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>One worker per group scores at a time (it must see all of a principal's events); others wait and take over when its lease runs out.</summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Baselines changed in memory are written to Redis at least this often.</summary>
    public TimeSpan BaselineFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>An alert is raised at this score (0 to 100) or above.</summary>
    public int AlertThreshold { get; set; } = 50;

    /// <summary>The time zone working hours are judged in (IANA id), e.g. <c>Europe/Paris</c>.</summary>
    public string TimeZone { get; set; } = "UTC";

    public SignalOptions Signals { get; set; } = new();

    public ContainmentOptions Containment { get; set; } = new();

    /// <summary>
    /// Fills in what is unset from the settings the gateway itself uses (<paramref name="setting"/>
    /// reads one by its path), so that the detector reads the stream the gateway writes and contains
    /// through the same keys the gateway checks.
    /// </summary>
    public void FillFrom(Func<string, string?> setting)
    {
        AuditStream ??= setting("Gateway:Audit:Stream") ?? "gateway:audit";
        Containment.RevocationKeyPrefix ??= setting("Gateway:Identity:Revocation:KeyPrefix") ?? "gateway:revocations";
        Containment.QuotaKeyPrefix ??= setting("Gateway:Quota:KeyPrefix") ?? "gateway:quota";
    }

    internal string Stream => AuditStream ?? "gateway:audit";
}

/// <summary>
/// The thresholds of the signals. A signal fires when a value passes <see cref="Multiplier"/> times
/// the 99th percentile of the principal's own history (or, while it has less than
/// <see cref="MinHistoryBuckets"/> active 10-minute buckets, of its role's) and at least the floor.
/// </summary>
public sealed class SignalOptions
{
    public double Multiplier { get; set; } = 3;

    public int MinHistoryBuckets { get; set; } = 30;

    /// <summary>Days a principal must have been active before an hour it never worked, or a new address or user agent, means anything.</summary>
    public int MinHistoryDays { get; set; } = 5;

    /// <summary>Floor: records returned in 10 minutes.</summary>
    public int MinRecords { get; set; } = 100;

    /// <summary>Floor: distinct data subjects returned in an hour.</summary>
    public int MinDistinctSubjects { get; set; } = 100;

    /// <summary>Floor: values of high-sensitivity classes returned in clear in 10 minutes.</summary>
    public int MinClearHighSensitivity { get; set; } = 20;

    /// <summary>Floor: consecutive pages of one collection, each bringing only data subjects the run had not brought yet.</summary>
    public int MinSweepPages { get; set; } = 10;

    /// <summary>Floor: refusals of one status (401, 403, 429, 451) in 5 minutes.</summary>
    public int MinRefusals { get; set; } = 10;

    /// <summary>Records in 10 minutes that make activity at a never-worked hour a bulk read.</summary>
    public int OffHoursBulkRecords { get; set; } = 100;

    /// <summary>Distinct subjects remembered per principal for the hourly count; more are counted as "at least".</summary>
    public int MaxTrackedSubjects { get; set; } = 100_000;
}

/// <summary>What the detector does about an alert: the strongest rule whose score is reached.</summary>
public sealed class ContainmentOptions
{
    /// <summary>Say on the alert and in the audit trail what would have been done, and do nothing.</summary>
    public bool DryRun { get; set; }

    /// <summary>Principals (token sub) never contained; their alerts say so.</summary>
    public List<string> Allowlist { get; set; } = [];

    /// <summary>Score thresholds to actions. Unset: alert only.</summary>
    public List<ContainmentRule> Rules { get; set; } = [];

    /// <summary>An alert raised from events older than this (a replay, a detector catching up) is not contained.</summary>
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long to wait for every live gateway instance to confirm a suspension.</summary>
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The revocation denylist's prefix. Unset: <c>Gateway:Identity:Revocation:KeyPrefix</c> (the hosts fill it in).</summary>
    public string? RevocationKeyPrefix { get; set; }

    /// <summary>The quota overrides' prefix. Unset: <c>Gateway:Quota:KeyPrefix</c> (the hosts fill it in).</summary>
    public string? QuotaKeyPrefix { get; set; }
}

/// <summary>From <see cref="MinScore"/> on: <c>alert</c>, <c>tighten</c> (quotas to <see cref="Factor"/> for <see cref="Duration"/>) or <c>suspend</c> (every token of the principal refused for <see cref="Duration"/>).</summary>
public sealed class ContainmentRule
{
    public int MinScore { get; set; }

    public string Action { get; set; } = "alert";

    public double Factor { get; set; } = 0.1;

    public TimeSpan Duration { get; set; } = TimeSpan.FromHours(1);
}
