using System.Globalization;
using System.Text.Json;
using Gateway.Masking;
using Gateway.Masking.Rules;

namespace Gateway.Audit;

/// <summary>
/// One line of the record of processing: who (the caller's roles and client) received records of
/// an entity for a purpose, which data classes in clear, in how many requests, how many records,
/// and how many distinct data subjects (keyed hashes; counted exactly up to a bound).
/// </summary>
public sealed record ProcessingRow(
    string Roles,
    string Client,
    string Purpose,
    string Entity,
    IReadOnlyList<string> ClassesInClear,
    long Requests,
    long Records,
    long Subjects,
    bool SubjectsCapped);

/// <summary>
/// Builds the record of processing from audit events read in order (the console and
/// <c>gatewayctl audit processing</c> share it). Memory is bounded: one row per distinct
/// (roles, client, purpose, entity, MFA), each remembering at most <c>maxSubjectsPerRow</c>
/// subject hashes. Which classes left in clear is read from <paramref name="rules"/> (the events
/// count only what was masked); events masked under another rules version are counted in
/// <see cref="OtherRulesVersions"/> so the reader knows.
/// </summary>
public sealed class ProcessingRecord(CompiledRules rules, int maxSubjectsPerRow = 100_000)
{
    private static readonly string[] CsvHeader = ["roles", "client", "purpose", "entity", "classes_in_clear", "requests", "records", "subjects", "subjects_capped"];

    private readonly Dictionary<(string Roles, string Client, string Purpose, string Entity, bool Mfa), Row> _rows = [];

    /// <summary>Events read (of every kind).</summary>
    public long Events { get; private set; }

    /// <summary>Events that released records, masked under rules other than <paramref name="rules"/>.</summary>
    public long OtherRulesVersions { get; private set; }

    /// <summary>Counts one event: only allowed or modified API activity that carried records.</summary>
    public void Add(AuditRecord record)
    {
        Events++;
        var root = record.Document.RootElement;
        if (!root.TryGetProperty("class_uid", out var classUid) || !classUid.TryGetInt32(out var uid) || uid != 6003
            || Text(root, "action") == "Denied"
            || !root.TryGetProperty("unmapped", out var unmapped) || !unmapped.TryGetProperty("masking", out var masking)
            || !masking.TryGetProperty("records", out var recordsElement) || !recordsElement.TryGetInt64(out var records) || records == 0)
        {
            return;
        }
        var entity = Text(masking, "entity") ?? "";
        var purpose = unmapped.TryGetProperty("purpose", out var p) ? Text(p, "name") ?? "" : "";
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        string client = "";
        var mfa = false;
        if (root.TryGetProperty("actor", out var actor))
        {
            client = Text(actor, "app_uid") ?? "";
            if (actor.TryGetProperty("user", out var user))
            {
                mfa = user.TryGetProperty("has_mfa", out var hasMfa) && hasMfa.ValueKind == JsonValueKind.True;
                if (user.TryGetProperty("groups", out var groups) && groups.ValueKind == JsonValueKind.Array)
                {
                    foreach (var group in groups.EnumerateArray())
                    {
                        if (Text(group, "name") is { } name)
                        {
                            roles.Add(name);
                        }
                    }
                }
            }
        }
        if (root.TryGetProperty("policy", out var policy) && Text(policy, "version") is { } version && version != rules.Version)
        {
            OtherRulesVersions++;
        }
        var key = (string.Join('+', roles), client, purpose, entity, mfa);
        if (!_rows.TryGetValue(key, out var row))
        {
            _rows[key] = row = new Row(rules.ClassesInClear(roles, mfa, entity));
        }
        row.Requests++;
        row.Records += records;
        if (root.TryGetProperty("resources", out var resources) && resources.ValueKind == JsonValueKind.Array)
        {
            foreach (var resource in resources.EnumerateArray())
            {
                if (Text(resource, "uid") is not { } subject)
                {
                    continue;
                }
                if (row.Subjects.Count < maxSubjectsPerRow)
                {
                    row.Subjects.Add(subject);
                }
                else if (!row.Subjects.Contains(subject))
                {
                    row.Capped = true;
                }
            }
        }
    }

    /// <summary>The rows, rows with the same roles, client, purpose and entity merged across MFA; ordered by roles, client, purpose, entity.</summary>
    public IReadOnlyList<ProcessingRow> Rows() =>
        [.. _rows.GroupBy(r => (r.Key.Roles, r.Key.Client, r.Key.Purpose, r.Key.Entity))
            .OrderBy(g => g.Key.Roles, StringComparer.Ordinal).ThenBy(g => g.Key.Client, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Purpose, StringComparer.Ordinal).ThenBy(g => g.Key.Entity, StringComparer.Ordinal)
            .Select(g =>
            {
                var subjects = new HashSet<string>(g.SelectMany(r => r.Value.Subjects), StringComparer.Ordinal);
                return new ProcessingRow(g.Key.Roles, g.Key.Client, g.Key.Purpose, g.Key.Entity,
                    [.. rules.Classes.Where(c => g.Any(r => r.Value.ClassesInClear.Contains(c)))],
                    g.Sum(r => r.Value.Requests), g.Sum(r => r.Value.Records), subjects.Count, g.Any(r => r.Value.Capped));
            })];

    public static void WriteCsv(TextWriter writer, IEnumerable<ProcessingRow> rows)
    {
        Csv.WriteRow(writer, CsvHeader);
        foreach (var row in rows)
        {
            Csv.WriteRow(writer, [row.Roles, row.Client, row.Purpose, row.Entity, string.Join(' ', row.ClassesInClear),
                row.Requests.ToString(CultureInfo.InvariantCulture), row.Records.ToString(CultureInfo.InvariantCulture),
                row.Subjects.ToString(CultureInfo.InvariantCulture), row.SubjectsCapped ? "true" : "false"]);
        }
    }

    /// <summary>The stream entry id at or after <paramref name="time"/>: entries are read by when they reached the stream.</summary>
    public static string StreamIdAt(DateTimeOffset time) => $"{time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}-0";

    /// <summary>When an entry reached the stream (its id's milliseconds).</summary>
    public static DateTimeOffset? StreamTime(string entryId) =>
        long.TryParse(entryId.AsSpan(0, Math.Max(0, entryId.IndexOf('-'))), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    private static string? Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed class Row(IReadOnlyList<string> classesInClear)
    {
        public IReadOnlyList<string> ClassesInClear { get; } = classesInClear;

        public HashSet<string> Subjects { get; } = new(StringComparer.Ordinal);

        public long Requests { get; set; }

        public long Records { get; set; }

        public bool Capped { get; set; }
    }
}
