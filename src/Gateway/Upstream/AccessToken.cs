namespace Gateway.Upstream;

/// <summary>
/// An access token from the token endpoint, with when it expires and when the gateway asks for the
/// next one: 10% of its lifetime before expiry, at least 30 seconds, at most half the lifetime.
/// A class rather than a record so that no generated <c>ToString</c> ever prints the token.
/// </summary>
internal sealed class AccessToken
{
    private static readonly TimeSpan MinimumMargin = TimeSpan.FromSeconds(30);

    public AccessToken(string value, DateTimeOffset obtainedAt, TimeSpan lifetime, Uri? instanceUrl)
    {
        ExpiresAt = obtainedAt + lifetime;
        var margin = TimeSpan.FromTicks(Math.Min(Math.Max(lifetime.Ticks / 10, MinimumMargin.Ticks), lifetime.Ticks / 2));
        RefreshAt = ExpiresAt - margin;
        InstanceUrl = instanceUrl;
        Authorization = new UpstreamAuthorization("Authorization", $"Bearer {value}", instanceUrl);
    }

    public DateTimeOffset ExpiresAt { get; }

    public DateTimeOffset RefreshAt { get; }

    public Uri? InstanceUrl { get; }

    public UpstreamAuthorization Authorization { get; }
}

/// <summary>Why a token request gave no usable token: the client's code, and the class of failure for the log (never a secret or token).</summary>
internal sealed record TokenFailure(string Code, string Class)
{
    public static TokenFailure EndpointFailed(string failureClass) => new(UpstreamCredentialException.TokenEndpointFailed, failureClass);

    public static TokenFailure Invalid(string failureClass) => new(UpstreamCredentialException.TokenInvalid, failureClass);

    public UpstreamCredentialException ToException() => Code == UpstreamCredentialException.TokenInvalid
        ? new UpstreamCredentialException(StatusCodes.Status502BadGateway, Code, "The CRM's authorization server sent a token response the gateway cannot use.")
        : new UpstreamCredentialException(StatusCodes.Status502BadGateway, Code, "The CRM's authorization server did not issue an access token.");
}

/// <summary>What one token request came to: a token, or a failure.</summary>
internal sealed class TokenOutcome
{
    private TokenOutcome(AccessToken? token, TokenFailure? failure)
    {
        Token = token;
        Failure = failure;
    }

    public AccessToken? Token { get; }

    public TokenFailure? Failure { get; }

    public static TokenOutcome Issued(AccessToken token) => new(token, null);

    public static TokenOutcome Failed(TokenFailure failure) => new(null, failure);
}
