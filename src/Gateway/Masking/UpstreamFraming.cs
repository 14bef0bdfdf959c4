using System.Net;
using Microsoft.Net.Http.Headers;

namespace Gateway.Masking;

/// <summary>
/// Judges how a CRM response says its body is delimited. Framing that contradicts itself or the
/// status is refused, never resolved by a guess: the HTTP client and the masking stage could
/// guess differently (RFC 9112 §6.3 lets Transfer-Encoding win over a Content-Length that a
/// shortcut had believed), and the difference is a body nobody masked.
/// </summary>
internal static class UpstreamFraming
{
    public const string ReasonCode = "upstream_framing_invalid";

    /// <returns>What is contradictory, in words for the problem detail, or null when the framing is unambiguous.</returns>
    public static string? Contradiction(string requestMethod, HttpResponseMessage response)
    {
        var chunked = response.Headers.NonValidated.Contains(HeaderNames.TransferEncoding);
        var lengths = response.Content.Headers.NonValidated.TryGetValues(HeaderNames.ContentLength, out var values) ? values : default;
        if (chunked && lengths.Count > 0)
        {
            return "The CRM's response declares both a Content-Length and a Transfer-Encoding.";
        }
        if (lengths.Count > 1 || (lengths.Count == 1 && !IsDigits(lengths.ToString())))
        {
            return "The CRM's response declares its Content-Length more than once or not as one number.";
        }
        if (!MayHaveBody(requestMethod, response.StatusCode)
            && (chunked || (response.StatusCode == HttpStatusCode.NoContent && lengths.Count == 1 && lengths.ToString() != "0")))
        {
            return $"The CRM's {(int)response.StatusCode} response to a {requestMethod} request declares a body, which that response cannot have.";
        }
        return null;
    }

    /// <summary>HEAD responses and 1xx, 204 and 304 have no body, whatever their headers say (RFC 9110 §6.4.1).</summary>
    public static bool MayHaveBody(string requestMethod, HttpStatusCode status) =>
        !HttpMethods.IsHead(requestMethod) && (int)status >= 200 && status is not (HttpStatusCode.NoContent or HttpStatusCode.NotModified);

    private static bool IsDigits(string value) => value.Length > 0 && value.All(char.IsAsciiDigit);
}
