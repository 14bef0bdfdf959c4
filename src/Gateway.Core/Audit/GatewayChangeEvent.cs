using System.Text.Json;

namespace Gateway.Core.Audit;

/// <summary>
/// A change to what the gateway enforces (masking rules reloaded or refused, revocations applied,
/// consent changed): OCSF Application Lifecycle (6002), activity Update.
/// </summary>
public sealed class GatewayChangeEvent(DateTimeOffset time) : AuditEvent(time)
{
    /// <summary><c>masking_rules</c>, <c>revocation_list</c>, <c>consent</c>.</summary>
    public required string Change { get; init; }

    public required bool Accepted { get; init; }

    /// <summary>A sentence for people; holds no secret and no personal data.</summary>
    public required string Message { get; init; }

    public string? ReasonCode { get; init; }

    /// <summary>Plain facts such as the rules version before and after.</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Errors { get; init; } = [];

    public IReadOnlyList<ChangedItem> Items { get; init; } = [];

    internal override void WriteAttributes(Utf8JsonWriter writer, AuditKeys keys)
    {
        WriteClass(writer, 6002, "Application Lifecycle", 8, "Update");
        WriteStatus(writer, Accepted, ReasonCode);
        writer.WriteString("message", Message);
        writer.WriteStartObject("app");
        writer.WriteString("name", "Compliance Gateway");
        writer.WriteStartObject("feature");
        writer.WriteString("name", Change);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    internal override void WriteUnmapped(Utf8JsonWriter writer, AuditKeys keys)
    {
        writer.WriteString("event_kind", "change");
        writer.WriteString("change", Change);
        foreach (var (name, value) in Details.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            writer.WriteString(name, value);
        }
        if (Errors.Count > 0)
        {
            writer.WriteStartArray("errors");
            foreach (var error in Errors)
            {
                writer.WriteStringValue(error);
            }
            writer.WriteEndArray();
        }
        if (Items.Count > 0)
        {
            writer.WriteStartArray("items");
            foreach (var item in Items)
            {
                writer.WriteStartObject();
                writer.WriteString("operation", item.Operation);
                writer.WriteString("kind", item.Kind);
                writer.WriteString("value_hash", keys.Pseudonym(item.Value));
                if (item.Detail is not null)
                {
                    writer.WriteString("detail", item.Detail);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
    }
}

/// <summary>One thing a change touched. <paramref name="Value"/> (a subject, token or client id) is written only as its keyed hash.</summary>
public sealed record ChangedItem(string Operation, string Kind, string Value, string? Detail = null);
