using System.Net.Http.Headers;

namespace Gateway.Masking.Writes;

/// <summary>How a write body is read, from its media type.</summary>
public enum WriteBodyKind
{
    /// <summary><c>application/json</c> or another <c>+json</c> type: one record, or records where the entity's <c>write_records</c> says.</summary>
    Json,

    /// <summary><c>application/json-patch+json</c> (RFC 6902): operations on one record.</summary>
    JsonPatch,

    /// <summary><c>application/merge-patch+json</c> (RFC 7396): every member present is a write, <c>null</c> included.</summary>
    MergePatch,
}

public static class WriteBodyKinds
{
    /// <summary>
    /// The kind of body a <c>Content-Type</c> announces, or null (with <paramref name="problem"/>
    /// saying why) for anything the gateway does not judge: another type, a charset other than
    /// UTF-8, a missing or unparsable header. Judged as what it claims, a body is what the CRM reads.
    /// </summary>
    public static WriteBodyKind? FromContentType(string? contentType, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(contentType))
        {
            problem = "The request has a body but no Content-Type; send application/json, application/merge-patch+json or application/json-patch+json.";
            return null;
        }
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed) || parsed.MediaType is not { } mediaType)
        {
            problem = "The Content-Type does not parse as a media type.";
            return null;
        }
        if (parsed.CharSet is { } charset && !charset.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            problem = $"Only UTF-8 bodies are judged; the body declares charset {charset.Trim('"')}.";
            return null;
        }
        WriteBodyKind? kind = mediaType.ToLowerInvariant() switch
        {
            "application/json-patch+json" => WriteBodyKind.JsonPatch,
            "application/merge-patch+json" => WriteBodyKind.MergePatch,
            "application/json" => WriteBodyKind.Json,
            var other when other.StartsWith("application/", StringComparison.Ordinal) && other.EndsWith("+json", StringComparison.Ordinal) => WriteBodyKind.Json,
            _ => null,
        };
        if (kind is null)
        {
            problem = $"Bodies of type {mediaType} are not judged; send application/json, application/merge-patch+json or application/json-patch+json.";
        }
        return kind;
    }
}
