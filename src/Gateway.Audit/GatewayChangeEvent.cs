using System.Text.Json;

namespace Gateway.Audit;

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
        writer.WriteString("message"u8, Message);
        writer.WriteStartObject("app"u8);
        writer.WriteString("name"u8, "Compliance Gateway"u8);
        writer.WriteStartObject("feature"u8);
        writer.WriteString("name"u8, Change);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    internal override void WriteUnmapped(Utf8JsonWriter writer, AuditKeys keys)
    {
        writer.WriteString("event_kind"u8, "change"u8);
        writer.WriteString("change"u8, Change);
        foreach (var (name, value) in Details.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            writer.WriteString(name, value);
        }
        if (Errors.Count > 0)
        {
            writer.WriteStartArray("errors"u8);
            foreach (var error in Errors)
            {
                writer.WriteStringValue(error);
            }
            writer.WriteEndArray();
        }
        if (Items.Count > 0)
        {
            writer.WriteStartArray("items"u8);
            foreach (var item in Items)
            {
                writer.WriteStartObject();
                writer.WriteString("operation"u8, item.Operation);
                writer.WriteString("kind"u8, item.Kind);
                writer.WriteString("value_hash"u8, keys.Pseudonym(item.Value));
                if (item.Detail is not null)
                {
                    writer.WriteString("detail"u8, item.Detail);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
    }
}

/// <summary>One thing a change touched. <paramref name="Value"/> (a subject, token or client id) is written only as its keyed hash.</summary>
public sealed record ChangedItem(string Operation, string Kind, string Value, string? Detail = null);
