using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Detector;

/// <summary>The distributions a principal's or a role's activity is judged against: one sample per active 10-minute bucket, or per active hour.</summary>
internal class VolumeBaseline
{
    /// <summary>Records returned per active 10-minute bucket.</summary>
    public Histogram Records { get; private set; } = new();

    /// <summary>Values of high-sensitivity classes returned in clear per active 10-minute bucket.</summary>
    public Histogram ClearHighSensitivity { get; private set; } = new();

    /// <summary>Refusals (401, 403, 429, 451) per active 10-minute bucket.</summary>
    public Histogram Refusals { get; private set; } = new();

    /// <summary>Distinct data subjects per active hour.</summary>
    public Histogram DistinctSubjects { get; private set; } = new();

    /// <summary>The longest run of new pages per active hour.</summary>
    public Histogram SweepPages { get; private set; } = new();

    public void LearnBucket(long records, long clear, long refusals)
    {
        Records.Add(records);
        ClearHighSensitivity.Add(clear);
        Refusals.Add(refusals);
    }

    public void LearnHour(long distinctSubjects, long sweepPages)
    {
        DistinctSubjects.Add(distinctSubjects);
        SweepPages.Add(sweepPages);
    }

    protected void SaveVolumes(SavedBaseline saved)
    {
        saved.Records = Records.Save();
        saved.Clear = ClearHighSensitivity.Save();
        saved.Refusals = Refusals.Save();
        saved.Distinct = DistinctSubjects.Save();
        saved.Sweep = SweepPages.Save();
    }

    protected void LoadVolumes(SavedBaseline saved)
    {
        Records = Histogram.Load(saved.Records);
        ClearHighSensitivity = Histogram.Load(saved.Clear);
        Refusals = Histogram.Load(saved.Refusals);
        DistinctSubjects = Histogram.Load(saved.Distinct);
        SweepPages = Histogram.Load(saved.Sweep);
    }

    public string ToJson()
    {
        var saved = new SavedBaseline();
        Save(saved);
        return JsonSerializer.Serialize(saved, BaselineJson.Default.SavedBaseline);
    }

    protected virtual void Save(SavedBaseline saved) => SaveVolumes(saved);

    public static T FromJson<T>(string? json) where T : VolumeBaseline, new()
    {
        var baseline = new T();
        if (json is not null)
        {
            try
            {
                if (JsonSerializer.Deserialize(json, BaselineJson.Default.SavedBaseline) is { } saved)
                {
                    baseline.Load(saved);
                }
            }
            catch (JsonException)
            {
                // A baseline that cannot be read is learned again rather than stopping the detector.
            }
        }
        return baseline;
    }

    protected virtual void Load(SavedBaseline saved) => LoadVolumes(saved);
}

/// <summary>A role's baseline: every principal of the role, for principals without enough history of their own.</summary>
internal sealed class RoleBaseline : VolumeBaseline;

/// <summary>
/// A principal's baseline: its volumes, the hours of the day it works, the addresses and user
/// agents it uses, and how far its buckets were learned (so a replay does not learn them twice).
/// </summary>
internal sealed class PrincipalBaseline : VolumeBaseline
{
    private const int MaxOrigins = 32;

    /// <summary>On how many distinct days the principal was active in each hour of the day (the detector's time zone).</summary>
    public int[] HourDays { get; private set; } = new int[24];

    private int[] _lastDayPerHour = new int[24];

    public int ActiveDays { get; private set; }

    private int _lastActiveDay = -1;

    /// <summary>Addresses and user agents seen, with the day last seen (the oldest goes when there are too many).</summary>
    public Dictionary<string, int> Addresses { get; private set; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> UserAgents { get; private set; } = new(StringComparer.Ordinal);

    /// <summary>The last 10-minute bucket and hour learned (Unix minutes / 10, Unix hours).</summary>
    public long LearnedBucket { get; set; } = -1;

    public long LearnedHour { get; set; } = -1;

    /// <summary>Learns one hour the principal was active in, with where it came from.</summary>
    public void LearnActiveHour(int day, int hourOfDay, IEnumerable<string> addresses, IEnumerable<string> userAgents)
    {
        if (_lastDayPerHour[hourOfDay] != day + 1)
        {
            _lastDayPerHour[hourOfDay] = day + 1;
            HourDays[hourOfDay]++;
        }
        if (_lastActiveDay != day)
        {
            _lastActiveDay = day;
            ActiveDays++;
        }
        Remember(Addresses, addresses, day);
        Remember(UserAgents, userAgents, day);
    }

    private static void Remember(Dictionary<string, int> known, IEnumerable<string> seen, int day)
    {
        foreach (var value in seen)
        {
            known[value] = day;
        }
        while (known.Count > MaxOrigins)
        {
            known.Remove(known.MinBy(k => k.Value).Key);
        }
    }

    protected override void Save(SavedBaseline saved)
    {
        SaveVolumes(saved);
        saved.HourDays = HourDays;
        saved.LastDayPerHour = _lastDayPerHour;
        saved.ActiveDays = ActiveDays;
        saved.LastActiveDay = _lastActiveDay;
        saved.Addresses = Addresses;
        saved.UserAgents = UserAgents;
        saved.LearnedBucket = LearnedBucket;
        saved.LearnedHour = LearnedHour;
    }

    protected override void Load(SavedBaseline saved)
    {
        LoadVolumes(saved);
        if (saved.HourDays is { Length: 24 } hours && saved.LastDayPerHour is { Length: 24 } last)
        {
            HourDays = hours;
            _lastDayPerHour = last;
        }
        ActiveDays = saved.ActiveDays;
        _lastActiveDay = saved.LastActiveDay;
        Addresses = new Dictionary<string, int>(saved.Addresses ?? [], StringComparer.Ordinal);
        UserAgents = new Dictionary<string, int>(saved.UserAgents ?? [], StringComparer.Ordinal);
        LearnedBucket = saved.LearnedBucket;
        LearnedHour = saved.LearnedHour;
    }
}

/// <summary>A baseline as stored in Redis (JSON, one key per principal or role).</summary>
internal sealed class SavedBaseline
{
    public string? Records { get; set; }

    public string? Clear { get; set; }

    public string? Refusals { get; set; }

    public string? Distinct { get; set; }

    public string? Sweep { get; set; }

    public int[]? HourDays { get; set; }

    public int[]? LastDayPerHour { get; set; }

    public int ActiveDays { get; set; }

    public int LastActiveDay { get; set; } = -1;

    public Dictionary<string, int>? Addresses { get; set; }

    public Dictionary<string, int>? UserAgents { get; set; }

    public long LearnedBucket { get; set; } = -1;

    public long LearnedHour { get; set; } = -1;
}

[JsonSerializable(typeof(SavedBaseline))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class BaselineJson : JsonSerializerContext;
