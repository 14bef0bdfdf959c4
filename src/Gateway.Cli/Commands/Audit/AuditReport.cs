using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Audit;

namespace Gateway.Cli.Commands.Audit;

/// <summary>The counts behind <c>audit report</c>.</summary>
internal sealed class AuditReport
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _accesses = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _masked = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _denials = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _consentRefusals = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _changes = new(StringComparer.Ordinal);

    public long Events { get; private set; }

    public void Add(AuditRecord record)
    {
        if (record.EventId is not { } id || !_seen.Add(id))
        {
            return;
        }
        Events++;
        var root = record.Document.RootElement;
        var unmapped = root.TryGetProperty("unmapped", out var u) ? u : default;
        if (AuditEventText.Text(root, "unmapped", "event_kind") == "change")
        {
            Count(_changes, $"{AuditEventText.Text(root, "unmapped", "change")} {AuditEventText.Text(root, "status")}");
            return;
        }
        if (AuditEventText.Text(root, "unmapped", "denied_by") is { } stage)
        {
            Count(_denials, $"{stage} {AuditEventText.Text(root, "status_detail")}");
            return;
        }
        var entity = AuditEventText.Text(root, "unmapped", "masking", "entity") ?? "(not masked)";
        foreach (var role in AuditEventText.Roles(root) is { Count: > 0 } roles ? roles : ["(anonymous)"])
        {
            Count(_accesses, $"{role} {entity}");
        }
        if (unmapped.ValueKind == JsonValueKind.Object && unmapped.TryGetProperty("masking", out var masking) && masking.TryGetProperty("masked", out var masked))
        {
            foreach (var field in masked.EnumerateObject())
            {
                Count(_masked, field.Name, field.Value.GetInt64());
            }
        }
        if (unmapped.ValueKind == JsonValueKind.Object && unmapped.TryGetProperty("consent", out var consent) && consent.ValueKind == JsonValueKind.Array)
        {
            foreach (var decision in consent.EnumerateArray().Where(d => AuditEventText.Text(d, "decision") is { } value && value != "allowed"))
            {
                Count(_consentRefusals, $"{AuditEventText.Text(decision, "purpose")} {AuditEventText.Text(decision, "decision")}");
            }
        }
    }

    public object ToJson() => new
    {
        events = Events,
        accesses_by_role_and_entity = _accesses,
        masked_fields_by_class_and_action = _masked,
        denials_by_stage_and_reason = _denials,
        consent_refusals_by_purpose_and_decision = _consentRefusals,
        changes = _changes,
    };

    public string ToText(string since)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Audit report, last {since}: {Events} events");
        Table(text, "Accesses by role and entity", "role entity", _accesses);
        Table(text, "Masked fields by class and action", "class:action", _masked);
        Table(text, "Denials by stage and reason", "stage reason", _denials);
        Table(text, "Consent refusals by purpose and decision", "purpose decision", _consentRefusals);
        Table(text, "Changes", "change status", _changes);
        return text.ToString();
    }

    private static void Count(SortedDictionary<string, long> counts, string key, long by = 1) =>
        counts[key] = counts.GetValueOrDefault(key) + by;

    private static void Table(StringBuilder text, string title, string heading, SortedDictionary<string, long> counts)
    {
        text.AppendLine().AppendLine(title);
        if (counts.Count == 0)
        {
            text.AppendLine("  (none)");
            return;
        }
        var width = Math.Max(heading.Length, counts.Keys.Max(k => k.Length));
        text.AppendLine(CultureInfo.InvariantCulture, $"  {heading.PadRight(width)}  {"count",8}");
        foreach (var (key, count) in counts)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {key.PadRight(width)}  {count,8}");
        }
    }
}
