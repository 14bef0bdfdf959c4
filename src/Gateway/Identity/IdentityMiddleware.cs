using Gateway.Identity.Revocation;
using Gateway.Pipeline;
using Gateway.Routing;
using Gateway.Telemetry;

namespace Gateway.Identity;

/// <summary>
/// Every proxied request must carry a valid access token of a configured issuer, not revoked,
/// mapping to at least one gateway role, with MFA where the route demands it. The caller is
/// recorded on the request feature; every refusal is recorded with a precise reason code.
/// </summary>
internal sealed partial class IdentityMiddleware(
    RequestDelegate next,
    AccessTokenValidator validator,
    GatewayMetrics metrics,
    ILogger<IdentityMiddleware> logger,
    RevocationList? revocations = null)
{
    private const string Stage = "identity";

    /// <remarks>
    /// Not an async method: with the token cached, validation completes at once, and a request
    /// then passes through this stage without a state machine of its own.
    /// </remarks>
    public Task InvokeAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization;
        if (authorization.Count == 0)
        {
            return RefuseAsync(context, StatusCodes.Status401Unauthorized, "token_missing", BearerChallenge.NoToken, "token_required");
        }
        if (authorization.Count > 1 || !TryGetBearer(authorization[0], out var token))
        {
            return RefuseAsync(context, StatusCodes.Status401Unauthorized, "token_not_bearer", BearerChallenge.InvalidRequest, "invalid_request");
        }
        var validation = validator.ValidateAsync(token, ConnectionTokenMemo.For(context), context.RequestAborted);
        return validation.IsCompletedSuccessfully ? Admit(context, validation.Result) : AdmitWhenValidatedAsync(context, validation);
    }

    private async Task AdmitWhenValidatedAsync(HttpContext context, ValueTask<TokenVerdict> validation) =>
        await Admit(context, await validation);

    private Task Admit(HttpContext context, TokenVerdict verdict)
    {
        if (verdict.ServerFault)
        {
            return RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, verdict.Reason!, null, "identity_unavailable");
        }
        if (verdict.Identity is not { } identity)
        {
            return RefuseAsync(context, StatusCodes.Status401Unauthorized, verdict.Reason!, BearerChallenge.InvalidToken, "invalid_token");
        }

        switch (revocations?.Check(identity))
        {
            case RevocationCheck.Revoked:
                return RefuseAsync(context, StatusCodes.Status401Unauthorized, "revoked", BearerChallenge.InvalidToken, "invalid_token");
            case RevocationCheck.Unavailable:
                return RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "revocation_unavailable", null, "identity_unavailable");
        }

        var feature = GatewayRequestFeature.GetOrCreate(context);
        feature.Identity = identity;
        if (identity.Roles.Count == 0)
        {
            return RefuseAsync(context, StatusCodes.Status403Forbidden, "no_role", BearerChallenge.InsufficientScope, "insufficient_scope");
        }
        if (!identity.MfaUsed && RouteRequiresMfa(context))
        {
            return RefuseAsync(context, StatusCodes.Status401Unauthorized, "mfa_required", BearerChallenge.InsufficientUserAuthentication, "insufficient_user_authentication");
        }
        return next(context);
    }

    /// <summary>The token of an <c>Authorization: Bearer</c> header; shared with the consent API on the admin port.</summary>
    /// <remarks>A slice of the header, not a copy: a token is kilobytes, and this runs on every request.</remarks>
    internal static bool TryGetBearer(string? header, out ReadOnlyMemory<char> token)
    {
        token = ReadOnlyMemory<char>.Empty;
        if (header is null || header.Length <= 7 || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        token = header.AsMemory(7).Trim();
        return token.Length > 0 && !token.Span.Contains(' ');
    }

    private static bool RouteRequiresMfa(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<RoutePolicy>() is { RequireMfa: true };

    private Task RefuseAsync(HttpContext context, int status, string reason, string? challenge, string publicCode)
    {
        metrics.RequestRefused(Stage, reason);
        LogRefused(logger, status, reason);
        if (challenge is not null)
        {
            context.Response.Headers.WWWAuthenticate = challenge;
        }
        context.Response.Headers.CacheControl = "no-store";
        var detail = status switch
        {
            StatusCodes.Status403Forbidden => "The access token grants no role on this gateway.",
            StatusCodes.Status503ServiceUnavailable => "The gateway cannot check access tokens right now; retry later.",
            _ when reason == "mfa_required" => "This route requires multi-factor authentication.",
            _ => "A valid access token is required.",
        };
        return GatewayProblem.RefuseAsync(context, Stage, status, reason, detail, publicCode);
    }

    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Request refused by the identity stage: {Status} ({Reason})")]
    private static partial void LogRefused(ILogger logger, int status, string reason);
}
