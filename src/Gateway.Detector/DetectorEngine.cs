using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Detector;

/// <summary>
/// The detector's judgement, without I/O: takes events, keeps each principal's windows, and scores
/// a principal after its events with explainable signals. Each signal compares one number with
/// the principal's own history (its 99th percentile times <see cref="SignalOptions.Multiplier"/>),
/// or its role's while the principal has too little history, and never below a floor. A signal
/// that passes its threshold scores 50 at the threshold and approaches 100 as the value grows
/// (75 at twice it); the alert's score combines them as independent evidence,
/// 100 × (1 − Π(1 − sᵢ/100)).
/// </summary>
internal sealed class DetectorEngine
{
    private const double Percentile = 0.99;
    private readonly DetectorOptions _options;
    private readonly TimeZoneInfo _zone;
    private readonly Dictionary<string, PrincipalActivity> _principals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RoleBaseline> _roles = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changedRoles = new(StringComparer.Ordinal);
    private readonly HashSet<string> _allowlist;
    private readonly List<ContainmentRule> _rules;

    public DetectorEngine(DetectorOptions options)
    {
        _options = options;
        DetectorOptionsCheck.TryFindTimeZone(options.TimeZone, out _zone);
        _allowlist = new HashSet<string>(options.Containment.Allowlist, StringComparer.Ordinal);
        _rules = [.. options.Containment.Rules.OrderByDescending(r => r.MinScore)];
    }

    public bool Knows(string principal) => _principals.ContainsKey(principal);

    public bool KnowsRole(string role) => _roles.ContainsKey(role);

    public void Load(string principal, PrincipalBaseline baseline) =>
        _principals[principal] = new PrincipalActivity(principal, baseline, _options.Signals.MaxTrackedSubjects, _options.Signals.MinHistoryBuckets);

    public void LoadRole(string role, RoleBaseline baseline) => _roles[role] = baseline;

    /// <summary>Adds one event to its principal's windows; returns the principal, to be scored once its batch is in.</summary>
    public PrincipalActivity Observe(ActivityFact fact)
    {
        if (!_principals.TryGetValue(fact.Principal, out var activity))
        {
            activity = new PrincipalActivity(fact.Principal, new PrincipalBaseline(), _options.Signals.MaxTrackedSubjects, _options.Signals.MinHistoryBuckets);
            _principals[fact.Principal] = activity;
        }
        var role = fact.Role is { } r ? RoleOf(r) : null;
        activity.Observe(
            fact,
            role is null ? null : (records, clear, refusals) => { role.LearnBucket(records, clear, refusals); _changedRoles.Add(fact.Role!); },
            role is null ? null : (distinct, sweep) => { role.LearnHour(distinct, sweep); _changedRoles.Add(fact.Role!); },
            _zone);
        return activity;
    }

    /// <summary>Baselines learned since the last call, for writing to Redis.</summary>
    public (List<(string Principal, string Json)> Principals, List<(string Role, string Json)> Roles) TakeChangedBaselines()
    {
        var principals = new List<(string, string)>();
        foreach (var activity in _principals.Values)
        {
            if (activity.BaselineChanged)
            {
                activity.BaselineChanged = false;
                principals.Add((activity.Principal, activity.Baseline.ToJson()));
            }
        }
        var roles = _changedRoles.Select(role => (role, _roles[role].ToJson())).ToList();
        _changedRoles.Clear();
        return (principals, roles);
    }

    /// <summary>Scores a principal as of its latest event; an alert when the score reaches the threshold and this window has not had one of this tier yet.</summary>
    public Alert? Evaluate(PrincipalActivity activity, DateTimeOffset now)
    {
        var signals = Signals(activity);
        if (signals.Count == 0)
        {
            return null;
        }
        var remaining = 1.0;
        foreach (var signal in signals)
        {
            remaining *= 1 - (signal.Score / 100.0);
        }
        var score = (int)Math.Round(100 * (1 - remaining));
        if (score < _options.AlertThreshold)
        {
            return null;
        }
        var rule = _rules.FirstOrDefault(r => r.MinScore <= score);
        var action = rule?.Action ?? "alert";
        var tier = ContainmentPlan.Tier(action);
        if (activity.AlertedBucket == activity.CurrentBucket && activity.AlertedTier >= tier)
        {
            return null;
        }
        activity.AlertedBucket = activity.CurrentBucket;
        activity.AlertedHour = activity.CurrentHour;
        activity.AlertedTier = tier;
        var evidence = activity.Evidence(PrincipalActivity.MinutesKept).ToList();
        var lastSeen = activity.LastTime;
        var skipped = action == "alert" ? null
            : !activity.HasSubject ? "no_subject"
            : _allowlist.Contains(activity.Principal) ? "allowlisted"
            : now.ToUnixTimeMilliseconds() - lastSeen > _options.Containment.MaxEventAge.TotalMilliseconds ? "too_old"
            : _options.Containment.DryRun ? "dry_run"
            : null;
        return new Alert
        {
            Id = AlertId(activity.Principal, activity.CurrentBucket, action),
            Principal = activity.Principal,
            HasSubject = activity.HasSubject,
            Role = activity.Role,
            Score = score,
            Signals = [.. signals.OrderByDescending(s => s.Score)],
            Evidence = [.. evidence.Select(e => e.EventId)],
            EvidenceCount = activity.Sum(PrincipalActivity.MinutesKept).Requests,
            FirstSeen = evidence.Count > 0 ? evidence[^1].Time : lastSeen,
            LastSeen = lastSeen,
            ClientIp = activity.LastAddress,
            UserAgent = activity.LastUserAgent,
            Created = now,
            Plan = new ContainmentPlan(action, rule?.Factor ?? 1, rule?.Duration ?? TimeSpan.Zero, skipped),
        };
    }

    internal static string AlertId(string principal, long bucket, string action) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{principal}\n{bucket}\n{action}")).AsSpan(0, 16));

    private List<Signal> Signals(PrincipalActivity activity)
    {
        var signals = new List<Signal>();
        var settings = _options.Signals;
        var baseline = activity.Baseline;
        var role = activity.Role is { } r && _roles.TryGetValue(r, out var found) ? found : null;
        var tenMinutes = activity.Sum(10);
        var fiveMinutes = activity.Sum(5);

        Volume(signals, "records_rate", tenMinutes.Records, settings.MinRecords, baseline.Records, role?.Records, activity,
            (value, basis) => $"read {N(value)} records in 10 min; {basis}");
        var distinct = activity.DistinctSubjects;
        Volume(signals, "distinct_subjects", distinct, settings.MinDistinctSubjects, baseline.DistinctSubjects, role?.DistinctSubjects, activity,
            (value, basis) => $"saw {(activity.SubjectsSaturated ? "at least " : "")}{N(value)} distinct data subjects in 1 h; {basis}");
        Volume(signals, "clear_high_sensitivity", tenMinutes.Clear, settings.MinClearHighSensitivity, baseline.ClearHighSensitivity, role?.ClearHighSensitivity, activity,
            (value, basis) => $"received {N(value)} values of high-sensitivity classes in clear in 10 min; {basis}");
        Volume(signals, "paging_sweep", activity.RunPages, settings.MinSweepPages, baseline.SweepPages, role?.SweepPages, activity,
            (value, basis) => $"paged through {N(value)} consecutive pages of {activity.RunPath} ({N(activity.RunRecords)} records), each bringing new data subjects; {basis}");
        foreach (var (status, count, meaning) in new[]
        {
            (401, fiveMinutes.Refused401, "token or credential probing"),
            (403, fiveMinutes.Refused403, "probing for what the role may not do"),
            (429, fiveMinutes.Refused429, "pushing against its quotas"),
            (451, fiveMinutes.Refused451, "consent probing"),
        })
        {
            Volume(signals, $"refusals_{status}", count, settings.MinRefusals, baseline.Refusals, role?.Refusals, activity,
                (value, basis) => $"got {N(value)} responses {status} in 5 min ({meaning}); {basis}");
        }

        foreach (var (token, addresses) in activity.TokensFromSeveralAddresses())
        {
            signals.Add(new Signal("token_several_addresses", 55,
                $"one token (jti {Short(token)}) was used from {addresses.Count} addresses within 1 h: {string.Join(", ", addresses.Order(StringComparer.Ordinal))}", addresses.Count, 1));
            break;
        }
        var known = baseline.ActiveDays >= settings.MinHistoryDays;
        if (known && activity.LastAddress is { } address && !baseline.Addresses.ContainsKey(address))
        {
            signals.Add(new Signal("new_address", 30, $"came from {address}, an address it did not use on any of its {baseline.ActiveDays} active days"));
        }
        if (known && activity.LastUserAgent is { } agent && !baseline.UserAgents.ContainsKey(agent))
        {
            signals.Add(new Signal("new_user_agent", 20, $"used the client program \"{Short(agent, 80)}\", which it did not use on any of its {baseline.ActiveDays} active days"));
        }
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(activity.LastTime), _zone);
        // An hour next to one it works is a long day, not the middle of the night.
        if (known && baseline.HourDays[local.Hour] == 0 && baseline.HourDays[(local.Hour + 23) % 24] == 0 && baseline.HourDays[(local.Hour + 1) % 24] == 0)
        {
            var bulk = tenMinutes.Records >= settings.OffHoursBulkRecords;
            signals.Add(new Signal("off_hours", bulk ? 65 : 25,
                $"{(bulk ? $"read {N(tenMinutes.Records)} records" : "was active")} at {local:HH:mm} ({_zone.Id}), more than an hour away from any hour it worked on its {baseline.ActiveDays} active days",
                tenMinutes.Records, settings.OffHoursBulkRecords));
        }
        return signals;
    }

    /// <summary>
    /// A volume signal: fires above max(floor, multiplier × p99), where p99 is the principal's own
    /// once it has enough history, else the role's; the reason quotes both.
    /// </summary>
    private void Volume(List<Signal> signals, string name, long value, int floor, Histogram own, Histogram? role, PrincipalActivity activity, Func<long, string, string> reason)
    {
        if (value <= floor)
        {
            return;
        }
        var settings = _options.Signals;
        var ownEnough = own.Count >= settings.MinHistoryBuckets;
        var roleEnough = role is not null && role.Count >= settings.MinHistoryBuckets;
        var p99 = ownEnough ? own.Percentile(Percentile) : roleEnough ? role!.Percentile(Percentile) : 0;
        var threshold = Math.Max(floor, (long)Math.Ceiling(settings.Multiplier * p99));
        if (value <= threshold)
        {
            return;
        }
        var parts = new List<string>();
        parts.Add(ownEnough ? $"this principal's 99th percentile is {N(own.Percentile(Percentile))}" : "this principal has too little history of its own");
        if (roleEnough)
        {
            parts.Add($"its role's ({activity.Role}) is {N(role!.Percentile(Percentile))}");
        }
        var basis = $"{string.Join(", ", parts)}; threshold {N(threshold)}";
        var score = (int)Math.Round(50 + (50 * (1 - ((double)threshold / value))));
        signals.Add(new Signal(name, score, reason(value, basis), value, threshold));
    }

    private RoleBaseline RoleOf(string role)
    {
        if (!_roles.TryGetValue(role, out var baseline))
        {
            baseline = new RoleBaseline();
            _roles[role] = baseline;
        }
        return baseline;
    }

    private static string N(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Short(string text, int length = 12) => text.Length <= length ? text : text[..length] + "…";
}
