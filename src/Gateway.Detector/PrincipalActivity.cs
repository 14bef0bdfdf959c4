namespace Gateway.Detector;

/// <summary>
/// One principal's recent activity, in memory, by event time: per-minute counts for the last hour,
/// the distinct data subjects of the last hour, the current run of new pages, the addresses each
/// token came from, and the last events (the evidence an alert names). Also the counts of the
/// 10-minute bucket and the hour in progress, learned into the baseline when they end.
/// </summary>
internal sealed class PrincipalActivity(string principal, PrincipalBaseline baseline, int maxTrackedSubjects, int minHistoryBuckets)
{
    public const int MinutesKept = 60;
    private const int EvidenceKept = 50;
    private static readonly TimeSpan SweepIdle = TimeSpan.FromMinutes(15);
    private readonly MinuteCounts[] _minutes = new MinuteCounts[MinutesKept];
    private readonly Dictionary<UInt128, long> _subjectLastMinute = [];
    private readonly Queue<(long Minute, UInt128 Subject)> _subjectSightings = new();
    private readonly Dictionary<string, (long LastTime, HashSet<string> Addresses)> _tokens = new(StringComparer.Ordinal);
    private readonly (string EventId, long Time)[] _evidence = new (string, long)[EvidenceKept];
    private readonly HashSet<UInt128> _runSubjects = [];
    private readonly HashSet<string> _hourAddresses = new(StringComparer.Ordinal);
    private readonly HashSet<string> _hourUserAgents = new(StringComparer.Ordinal);
    private int _evidenceNext;
    private int _evidenceCount;
    private long _bucket = -1;
    private long _bucketRecords;
    private long _bucketClear;
    private long _bucketRefusals;
    private long _hour = -1;
    private long _hourMaxSweep;
    private string? _runPath;
    private long _runLastTime;

    public string Principal { get; } = principal;

    public PrincipalBaseline Baseline { get; } = baseline;

    public string? Role { get; private set; }

    public bool HasSubject { get; private set; }

    /// <summary>The time of the latest event, Unix ms: "now" for this principal's windows.</summary>
    public long LastTime { get; private set; }

    public string? LastAddress { get; private set; }

    public string? LastUserAgent { get; private set; }

    /// <summary>Pages in the current run of new pages of one collection.</summary>
    public int RunPages { get; private set; }

    public long RunRecords { get; private set; }

    public string? RunPath => _runPath;

    /// <summary>The distinct subjects count reached <see cref="maxTrackedSubjects"/>: the true count is at least that.</summary>
    public bool SubjectsSaturated => _subjectLastMinute.Count >= maxTrackedSubjects;

    /// <summary>
    /// The 10-minute bucket and hour in which an alert was raised are not learned once the
    /// principal has history of its own (an incident must not become normal). While it is still
    /// learning they are: otherwise the floors' alerts of its first days would keep its ordinary
    /// busy periods out of its baseline for good, and it would alert on them for ever.
    /// </summary>
    public long AlertedBucket { get; set; } = -1;

    public long AlertedHour { get; set; } = -1;

    /// <summary>The strongest tier alerted in <see cref="AlertedBucket"/> (alert 0, tighten 1, suspend 2).</summary>
    public int AlertedTier { get; set; } = -1;

    /// <summary>Raised by the baseline's learning: it must be written to Redis.</summary>
    public bool BaselineChanged { get; set; }

    /// <summary>Adds one event. Returns the completed buckets for the role's baseline to learn (empty most of the time).</summary>
    public void Observe(ActivityFact fact, Action<long, long, long>? learnRoleBucket, Action<long, long>? learnRoleHour, TimeZoneInfo zone)
    {
        Role ??= fact.Role;
        HasSubject |= fact.HasSubject;
        var time = Math.Max(fact.Time, LastTime);
        var minute = time / 60_000;
        var bucket = minute / 10;
        var hour = minute / 60;
        if (bucket != _bucket)
        {
            CloseBucket(learnRoleBucket);
            _bucket = bucket;
        }
        if (hour != _hour)
        {
            CloseHour(learnRoleHour, zone);
            _hour = hour;
        }
        LastTime = time;
        ref var counts = ref Slot(minute);
        counts.Requests++;
        counts.Records += fact.Records;
        counts.Clear += fact.ClearHighSensitivity;
        _bucketRecords += fact.Records;
        _bucketClear += fact.ClearHighSensitivity;
        switch (fact.Status)
        {
            case 401: counts.Refused401++; _bucketRefusals++; break;
            case 403: counts.Refused403++; _bucketRefusals++; break;
            case 429: counts.Refused429++; _bucketRefusals++; break;
            case 451: counts.Refused451++; _bucketRefusals++; break;
        }
        foreach (var subject in fact.Subjects)
        {
            SeeSubject(subject, minute);
        }
        TrackRun(fact, time);
        if (fact.ClientIp is { } address)
        {
            LastAddress = address;
            _hourAddresses.Add(address);
            if (fact.TokenId is { } token)
            {
                if (!_tokens.TryGetValue(token, out var seen))
                {
                    seen = (time, new HashSet<string>(StringComparer.Ordinal));
                }
                seen.Addresses.Add(address);
                _tokens[token] = (time, seen.Addresses);
            }
        }
        if (fact.UserAgent is { } agent)
        {
            LastUserAgent = agent;
            _hourUserAgents.Add(agent);
        }
        _evidence[_evidenceNext] = (fact.EventId, time);
        _evidenceNext = (_evidenceNext + 1) % EvidenceKept;
        _evidenceCount = Math.Min(_evidenceCount + 1, EvidenceKept);
    }

    /// <summary>Sums over the last <paramref name="minutes"/> minutes up to <see cref="LastTime"/>.</summary>
    public MinuteCounts Sum(int minutes)
    {
        var now = LastTime / 60_000;
        var total = default(MinuteCounts);
        for (var m = now - minutes + 1; m <= now; m++)
        {
            var slot = _minutes[(int)(m % MinutesKept)];
            if (slot.Minute == m)
            {
                total.Requests += slot.Requests;
                total.Records += slot.Records;
                total.Clear += slot.Clear;
                total.Refused401 += slot.Refused401;
                total.Refused403 += slot.Refused403;
                total.Refused429 += slot.Refused429;
                total.Refused451 += slot.Refused451;
            }
        }
        return total;
    }

    /// <summary>Distinct data subjects in the last hour.</summary>
    public int DistinctSubjects
    {
        get
        {
            ForgetSubjectsBefore((LastTime / 60_000) - MinutesKept + 1);
            return _subjectLastMinute.Count;
        }
    }

    /// <summary>Each token (jti) of the last hour that came from more than one address, with those addresses.</summary>
    public IEnumerable<(string Token, IReadOnlyCollection<string> Addresses)> TokensFromSeveralAddresses()
    {
        foreach (var (token, (lastTime, addresses)) in _tokens)
        {
            if (addresses.Count > 1 && LastTime - lastTime <= MinutesKept * 60_000L)
            {
                yield return (token, addresses);
            }
        }
    }

    /// <summary>The events of the last <paramref name="minutes"/> minutes this principal made, newest first (at most 50).</summary>
    public IEnumerable<(string EventId, long Time)> Evidence(int minutes)
    {
        var since = LastTime - (minutes * 60_000L);
        for (var i = 1; i <= _evidenceCount; i++)
        {
            var entry = _evidence[(_evidenceNext - i + EvidenceKept) % EvidenceKept];
            if (entry.Time < since)
            {
                yield break;
            }
            yield return entry;
        }
    }

    public long CurrentBucket => _bucket;

    public long CurrentHour => _hour;

    private ref MinuteCounts Slot(long minute)
    {
        ref var slot = ref _minutes[(int)(minute % MinutesKept)];
        if (slot.Minute != minute)
        {
            slot = new MinuteCounts { Minute = minute };
        }
        return ref slot;
    }

    private void SeeSubject(UInt128 subject, long minute)
    {
        if (_subjectLastMinute.ContainsKey(subject) || _subjectLastMinute.Count < maxTrackedSubjects)
        {
            _subjectLastMinute[subject] = minute;
            _subjectSightings.Enqueue((minute, subject));
        }
        if (_subjectSightings.Count > 4 * Math.Max(1024, _subjectLastMinute.Count))
        {
            ForgetSubjectsBefore(minute - MinutesKept + 1);
        }
    }

    private void ForgetSubjectsBefore(long minute)
    {
        while (_subjectSightings.TryPeek(out var oldest) && oldest.Minute < minute)
        {
            _subjectSightings.Dequeue();
            if (_subjectLastMinute.TryGetValue(oldest.Subject, out var last) && last == oldest.Minute)
            {
                _subjectLastMinute.Remove(oldest.Subject);
            }
        }
    }

    /// <summary>
    /// A run is a sequence of list pages (GET, two or more records) of one path, each bringing at
    /// most a fifth of subjects the run already brought, with no pause over 15 minutes: what paging
    /// through a whole collection looks like, whichever order the pages come in.
    /// </summary>
    private void TrackRun(ActivityFact fact, long time)
    {
        if (fact.Method != "GET" || fact.Records < 2 || fact.Status != 200)
        {
            return;
        }
        var repeated = 0;
        foreach (var subject in fact.Subjects)
        {
            repeated += _runSubjects.Contains(subject) ? 1 : 0;
        }
        var continues = _runPath == fact.Path && time - _runLastTime <= SweepIdle.TotalMilliseconds && repeated * 5 <= fact.Subjects.Count;
        if (!continues)
        {
            _runSubjects.Clear();
            _runPath = fact.Path;
            RunPages = 0;
            RunRecords = 0;
        }
        RunPages++;
        RunRecords += fact.Records;
        _runLastTime = time;
        foreach (var subject in fact.Subjects)
        {
            if (_runSubjects.Count < maxTrackedSubjects)
            {
                _runSubjects.Add(subject);
            }
        }
        _hourMaxSweep = Math.Max(_hourMaxSweep, RunPages);
    }

    private void CloseBucket(Action<long, long, long>? learnRoleBucket)
    {
        if (_bucket >= 0 && _bucket > Baseline.LearnedBucket && (_bucket != AlertedBucket || Baseline.Records.Count < minHistoryBuckets))
        {
            Baseline.LearnBucket(_bucketRecords, _bucketClear, _bucketRefusals);
            learnRoleBucket?.Invoke(_bucketRecords, _bucketClear, _bucketRefusals);
            Baseline.LearnedBucket = _bucket;
            BaselineChanged = true;
        }
        _bucketRecords = 0;
        _bucketClear = 0;
        _bucketRefusals = 0;
    }

    private void CloseHour(Action<long, long>? learnRoleHour, TimeZoneInfo zone)
    {
        if (_hour >= 0 && _hour > Baseline.LearnedHour && (_hour != AlertedHour || Baseline.DistinctSubjects.Count < minHistoryBuckets))
        {
            var distinct = DistinctSubjects;
            Baseline.LearnHour(distinct, _hourMaxSweep);
            learnRoleHour?.Invoke(distinct, _hourMaxSweep);
            var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(_hour * 3_600_000), zone);
            Baseline.LearnActiveHour(DayNumber(local), local.Hour, _hourAddresses, _hourUserAgents);
            Baseline.LearnedHour = _hour;
            BaselineChanged = true;
        }
        _hourMaxSweep = 0;
        _hourAddresses.Clear();
        _hourUserAgents.Clear();
        if (_tokens.Count > 0)
        {
            foreach (var stale in _tokens.Where(t => LastTime - t.Value.LastTime > MinutesKept * 60_000L).Select(t => t.Key).ToList())
            {
                _tokens.Remove(stale);
            }
        }
    }

    internal static int DayNumber(DateTimeOffset local) => (int)(local.Date - DateTime.UnixEpoch.Date).TotalDays;
}

/// <summary>Counts of one minute (or a sum of minutes).</summary>
internal struct MinuteCounts
{
    public long Minute;
    public long Requests;
    public long Records;
    public long Clear;
    public long Refused401;
    public long Refused403;
    public long Refused429;
    public long Refused451;
}
