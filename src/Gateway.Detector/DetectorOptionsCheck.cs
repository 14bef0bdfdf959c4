namespace Gateway.Detector;

/// <summary>Every problem of a <see cref="DetectorOptions"/>, each with its setting's path, for the hosts' start-up validation.</summary>
public static class DetectorOptionsCheck
{
    public static IReadOnlyList<string> Errors(DetectorOptions options)
    {
        const string s = DetectorOptions.Section;
        var errors = new List<string>();
        void Add(string path, string message) => errors.Add($"{s}:{path}: {message}");
        foreach (var (name, value) in new[] { ("AuditStream", options.Stream), ("Group", options.Group), ("AlertsStream", options.AlertsStream), ("KeyPrefix", options.KeyPrefix) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                Add(name, "must not be empty.");
            }
        }
        if (options.AlertsStream == options.Stream)
        {
            Add("AlertsStream", "must differ from the audit stream: alerts are not audit events.");
        }
        if (options.StartFrom is not ("new" or "oldest"))
        {
            Add("StartFrom", $"'{options.StartFrom}' is not new or oldest.");
        }
        if (options.BatchSize is < 1 or > 10_000)
        {
            Add("BatchSize", "must be between 1 and 10000.");
        }
        if (options.MinPollInterval <= TimeSpan.Zero || options.MaxPollInterval < options.MinPollInterval)
        {
            Add("MaxPollInterval", "MinPollInterval must be positive and MaxPollInterval at least as long.");
        }
        if (options.ClaimIdle < TimeSpan.FromSeconds(1))
        {
            Add("ClaimIdle", "must be at least 1s: shorter steals entries a live worker is still processing.");
        }
        if (options.LeaseTime < TimeSpan.FromSeconds(1))
        {
            Add("LeaseTime", "must be at least 1s.");
        }
        if (options.BaselineFlushInterval <= TimeSpan.Zero)
        {
            Add("BaselineFlushInterval", "must be positive.");
        }
        if (options.AlertThreshold is < 1 or > 100)
        {
            Add("AlertThreshold", "must be between 1 and 100.");
        }
        if (!TryFindTimeZone(options.TimeZone, out _))
        {
            Add("TimeZone", $"'{options.TimeZone}' is not a time zone this machine knows (an IANA id such as Europe/Paris).");
        }
        var signals = options.Signals;
        if (signals.Multiplier < 1)
        {
            Add("Signals:Multiplier", "must be at least 1.");
        }
        foreach (var (name, value) in new[]
        {
            ("MinHistoryBuckets", signals.MinHistoryBuckets), ("MinHistoryDays", signals.MinHistoryDays), ("MinRecords", signals.MinRecords),
            ("MinDistinctSubjects", signals.MinDistinctSubjects), ("MinClearHighSensitivity", signals.MinClearHighSensitivity),
            ("MinSweepPages", signals.MinSweepPages), ("MinRefusals", signals.MinRefusals), ("OffHoursBulkRecords", signals.OffHoursBulkRecords),
            ("MaxTrackedSubjects", signals.MaxTrackedSubjects),
        })
        {
            if (value < 1)
            {
                Add($"Signals:{name}", "must be at least 1.");
            }
        }
        var containment = options.Containment;
        for (var i = 0; i < containment.Rules.Count; i++)
        {
            var rule = containment.Rules[i];
            var path = $"Containment:Rules:{i}";
            if (rule.MinScore < options.AlertThreshold || rule.MinScore > 100)
            {
                Add($"{path}:MinScore", $"must be between AlertThreshold ({options.AlertThreshold}) and 100: only an alert is contained.");
            }
            if (rule.Action is not ("alert" or "tighten" or "suspend"))
            {
                Add($"{path}:Action", $"'{rule.Action}' is not alert, tighten or suspend.");
            }
            if (rule.Action == "tighten" && !(rule.Factor > 0 && rule.Factor <= 1))
            {
                Add($"{path}:Factor", "must be greater than 0 and at most 1 (0.1 leaves a tenth of every quota).");
            }
            if (rule.Action is "tighten" or "suspend" && rule.Duration <= TimeSpan.Zero)
            {
                Add($"{path}:Duration", "must be positive.");
            }
        }
        if (containment.Rules.GroupBy(r => r.MinScore).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            Add("Containment:Rules", $"two rules start at score {twice.Key}.");
        }
        if (containment.Allowlist.Any(string.IsNullOrWhiteSpace))
        {
            Add("Containment:Allowlist", "holds an empty entry.");
        }
        if (containment.MaxEventAge <= TimeSpan.Zero)
        {
            Add("Containment:MaxEventAge", "must be positive.");
        }
        if (containment.ConfirmTimeout <= TimeSpan.Zero)
        {
            Add("Containment:ConfirmTimeout", "must be positive.");
        }
        if (containment.RevocationKeyPrefix is { } revocation && string.IsNullOrWhiteSpace(revocation))
        {
            Add("Containment:RevocationKeyPrefix", "must not be empty (unset: Gateway:Identity:Revocation:KeyPrefix).");
        }
        if (containment.QuotaKeyPrefix is { } quota && string.IsNullOrWhiteSpace(quota))
        {
            Add("Containment:QuotaKeyPrefix", "must not be empty (unset: Gateway:Quota:KeyPrefix).");
        }
        return errors;
    }

    internal static bool TryFindTimeZone(string id, out TimeZoneInfo zone)
    {
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            zone = TimeZoneInfo.Utc;
            return false;
        }
    }
}
