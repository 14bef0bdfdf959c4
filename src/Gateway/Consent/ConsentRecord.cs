using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Consent;

/// <summary>One subject's word on one purpose, as stored (JSON in the subject's hash, field = purpose).</summary>
internal sealed record ConsentRecord(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("expires")] DateTimeOffset? ExpiresAt = null)
{
    public const string Granted = "granted";
    public const string Withdrawn = "withdrawn";

    public string ToJson() => JsonSerializer.Serialize(this, ConsentJsonContext.Default.ConsentRecord);

    /// <summary>A stored value (UTF-8 JSON); null when it is not a valid record (which then counts as no consent).</summary>
    public static ConsentRecord? Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var record = JsonSerializer.Deserialize(json, ConsentJsonContext.Default.ConsentRecord);
            return record is { Status: Granted or Withdrawn, Source: not null } ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSerializable(typeof(ConsentRecord))]
[JsonSerializable(typeof(Dictionary<string, ConsentRecord>))]
internal sealed partial class ConsentJsonContext : JsonSerializerContext;
