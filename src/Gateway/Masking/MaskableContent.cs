using System.Net;

namespace Gateway.Masking;

/// <summary>
/// Judges, from a CRM response's headers, whether the masker can read its body: JSON (or NDJSON
/// where the route declares it), whole, UTF-8, in an encoding the masker decodes; or a type the
/// route declares as passed unmasked. Anything else is refused, never passed on.
/// </summary>
internal static class MaskableContent
{
    /// <summary>
    /// A route may declare content types it passes unmasked (YARP route metadata
    /// <c>MaskingPassThrough: "text/csv, application/pdf"</c>): an operator's explicit decision,
    /// never a default. JSON is always masked, even if declared.
    /// </summary>
    public static bool IsDeclaredPassThrough(string? mediaType, IReadOnlySet<string> declared) =>
        mediaType is not null && !IsJson(mediaType) && !IsNdjson(mediaType) && declared.Contains(mediaType);

    public static bool IsNdjson(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/jsonl", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/x-jsonlines", StringComparison.OrdinalIgnoreCase));

    /// <returns>Why the masker cannot read the body, as a reason code and a sentence for the client; null when it can.</returns>
    /// <param name="lines">The body is NDJSON on a route that masks it line by line.</param>
    public static (string Reason, string Detail)? Refusal(HttpResponseMessage response, bool lines)
    {
        if (response.StatusCode == HttpStatusCode.PartialContent || response.Content.Headers.ContentRange is not null)
        {
            return ("partial_content_not_masked", "The CRM sent part of a body, which cannot be masked.");
        }
        var encodings = response.Content.Headers.ContentEncoding;
        if (encodings.Count > 1 || (encodings.Count == 1 && !ContentCodings.IsDecodable(encodings.Single())))
        {
            return ("encoding_not_supported", "The CRM sent a body in an encoding the gateway cannot decode for masking.");
        }
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var charset = response.Content.Headers.ContentType?.CharSet;
        if (mediaType is null || !(IsJson(mediaType) || lines) || (charset is not null && !charset.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase)))
        {
            return ("content_type_not_masked", "The CRM sent a body that is not UTF-8 JSON; only JSON can be masked on this route.");
        }
        return null;
    }

    private static bool IsJson(string mediaType) =>
        mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
}
