using System.Text;
using System.Text.Json;
using StackExchange.Redis;

namespace Gateway.Audit;

/// <summary>One event as read back from the stream: its entry id, the exact JSON, the stored hash, and the fields the chain is checked on.</summary>
public sealed class AuditRecord : IDisposable
{
    /// <summary>The stream entry's field holding the event's JSON.</summary>
    public const string EventField = "event";

    /// <summary>The stream entry's field holding the chain hash of that JSON.</summary>
    public const string HashField = "hash";

    private AuditRecord(string entryId, byte[] json, string? hash, JsonDocument document)
    {
        EntryId = entryId;
        Json = json;
        Hash = hash;
        Document = document;
        var root = document.RootElement;
        var metadata = root.TryGetProperty("metadata", out var m) ? m : default;
        var unmapped = root.TryGetProperty("unmapped", out var u) ? u : default;
        EventId = Text(metadata, "uid");
        Sequence = metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("sequence", out var s) && s.TryGetInt64(out var n) ? n : null;
        Instance = Text(unmapped, "instance");
        PreviousHash = Text(unmapped, "prev_hash");
        Time = root.TryGetProperty("time", out var t) && t.TryGetInt64(out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    public string EntryId { get; }

    public byte[] Json { get; }

    public string? Hash { get; }

    public JsonDocument Document { get; }

    public string? EventId { get; }

    public long? Sequence { get; }

    public string? Instance { get; }

    public string? PreviousHash { get; }

    public DateTimeOffset? Time { get; }

    public string JsonText => Encoding.UTF8.GetString(Json);

    /// <returns>Null when the entry has no <c>event</c> field or its value is not a JSON object.</returns>
    public static AuditRecord? FromStreamEntry(StreamEntry entry) =>
        TryParse(entry.Id!, (byte[]?)entry[EventField], entry[HashField]);

    /// <returns>Null when <paramref name="json"/> is missing or not a JSON object.</returns>
    public static AuditRecord? TryParse(string entryId, byte[]? json, string? hash)
    {
        if (json is null)
        {
            return null;
        }
        try
        {
            var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return new AuditRecord(entryId, json, hash, document);
            }
            document.Dispose();
        }
        catch (JsonException)
        {
        }
        return null;
    }

    public void Dispose() => Document.Dispose();

    private static string? Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
