using Gateway.Upstream;
using Microsoft.Net.Http.Headers;

namespace Gateway.Masking;

/// <summary>
/// Which CRM response headers reach the client on a masked route. The body is masked by role; a
/// header is not, so only headers known to describe the response rather than a person pass
/// (a CRM that echoes a field into <c>X-Crm-Debug</c> would otherwise show it to every role).
/// </summary>
internal static class ResponseHeaderPolicy
{
    /// <summary>
    /// Representation and caching metadata, request ids, and the rate-limit headers CRMs document
    /// (Salesforce <c>Sforce-Limit-Info</c>, HubSpot <c>X-HubSpot-RateLimit-*</c>, Dynamics 365
    /// <c>x-ms-ratelimit-*</c>, the IETF <c>RateLimit</c> fields). Not <c>Location</c> or <c>Link</c>:
    /// they name the CRM's own address and may carry query values.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultAllowed =
    [
        "Content-Type", "Content-Length", "Content-Encoding", "Content-Language",
        "Cache-Control", "Expires", "Pragma", "Vary", "Date", "Last-Modified", "ETag", "Age", "Allow", "Retry-After",
        "X-Request-Id", "X-Correlation-Id", "Request-Id",
        "Sforce-Limit-Info", "RateLimit", "RateLimit-*", "X-RateLimit-*", "X-HubSpot-RateLimit-*", "x-ms-ratelimit-*",
    ];

    public static readonly HeaderDenyList NeverPassed = new(
        [
            HeaderNames.SetCookie, "Set-Cookie2", HeaderNames.Trailer, HeaderNames.StrictTransportSecurity,
            HeaderNames.Connection, HeaderNames.KeepAlive, HeaderNames.ProxyConnection, HeaderNames.TransferEncoding, HeaderNames.Upgrade,
        ],
        [],
        "a masked route never passes it (the CRM's cookies belong to the gateway's session with the CRM, trailers are dropped, the gateway sends its own Strict-Transport-Security, hop-by-hop headers are not passed on).");

    /// <summary>
    /// The gateway sets it itself before forwarding, and YARP does not copy the CRM's over it, so
    /// what the client response holds under this name is never the CRM's.
    /// </summary>
    public static bool IsTheGatewaysOwn(string name) => name.Equals(HeaderNames.StrictTransportSecurity, StringComparison.OrdinalIgnoreCase);

    public static HeaderAllowList Global(MaskingOptions options) => new(options.ResponseHeaders.EffectiveAllow, NeverPassed);

    /// <summary>Every problem of the global list (start-up); a route's own list is its policy's (RoutePolicyReader).</summary>
    public static IEnumerable<(string Path, string Message)> Check(MaskingOptions options)
    {
        for (var i = 0; i < options.ResponseHeaders.Allow.Count; i++)
        {
            if (HeaderAllowList.Problem(options.ResponseHeaders.Allow[i], NeverPassed) is { } problem)
            {
                yield return ($"Gateway:Masking:ResponseHeaders:Allow[{i}]", problem);
            }
        }
    }
}
