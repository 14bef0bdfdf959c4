using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Upstream;

/// <summary>
/// Where the credential the gateway sends to the CRM comes from: a static value
/// (<see cref="StaticUpstreamCredential"/>) or an OAuth 2.0 access token the gateway obtains itself
/// (<see cref="OAuthUpstreamCredential"/>). One per gateway, used on every cluster.
/// </summary>
internal abstract class UpstreamCredentialSource : BackgroundService
{
    /// <summary>The credential for the next request to the CRM.</summary>
    /// <exception cref="UpstreamCredentialException">None can be had now; the exception says why, for the client.</exception>
    public abstract ValueTask<UpstreamAuthorization> GetAsync(CancellationToken cancellationToken);

    /// <summary>
    /// After the CRM answered 401 to <paramref name="rejected"/>: the credential to retry with once,
    /// which may be the same when no other can be had.
    /// </summary>
    /// <exception cref="UpstreamCredentialException">No credential can be had now.</exception>
    public abstract ValueTask<UpstreamAuthorization> RenewAsync(UpstreamAuthorization rejected, CancellationToken cancellationToken);

    /// <summary>Readiness: whether a credential can be sent now.</summary>
    public abstract ValueTask<HealthCheckResult> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The header that carries the gateway's credential, and, with <c>UseInstanceUrl</c>, where the
/// token response said the CRM is. A class rather than a record so that no generated
/// <c>ToString</c> ever prints the value.
/// </summary>
internal sealed class UpstreamAuthorization(string headerName, string headerValue, Uri? instanceUrl = null)
{
    public string HeaderName { get; } = headerName;

    public string HeaderValue { get; } = headerValue;

    public Uri? InstanceUrl { get; } = instanceUrl;

    public bool SameValueAs(UpstreamAuthorization other) =>
        string.Equals(HeaderName, other.HeaderName, StringComparison.OrdinalIgnoreCase) && string.Equals(HeaderValue, other.HeaderValue, StringComparison.Ordinal);
}

/// <summary>
/// The gateway could not send the CRM a credential it accepts: the request is answered with the
/// problem+json code <see cref="Code"/> (by <see cref="UpstreamErrorResponses"/>) and never
/// reaches the client as the CRM's own 401. The message holds no secret or token.
/// </summary>
internal sealed class UpstreamCredentialException(int status, string code, string detail, TimeSpan? retryAfter = null) : Exception(detail)
{
    public const string TokenUnavailable = "upstream_token_unavailable";
    public const string TokenEndpointFailed = "upstream_token_endpoint_failed";
    public const string TokenInvalid = "upstream_token_invalid";
    public const string Unauthorized = "upstream_unauthorized";

    public int Status { get; } = status;

    public string Code { get; } = code;

    /// <summary>When the client may try again (503 only): the rest of the wait before the next token request.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static UpstreamCredentialException Refused() =>
        new(StatusCodes.Status502BadGateway, Unauthorized, "The CRM refused the gateway's credential.");
}
