using Gateway.Identity;
using Gateway.Identity.Revocation;
using Gateway.Pipeline;

namespace Gateway.Admin;

/// <summary>
/// The admin port's APIs accept the same access tokens as the proxy (same issuers, keys,
/// revocation and MFA facts), each API with the role it names: 401 without a valid token, 403
/// without the role, 503 when the token cannot be checked.
/// </summary>
internal static class AdminTokenAuthorization
{
    /// <param name="stage">The refusal's stage, as the audit event and problem response name it.</param>
    /// <param name="api">The API's name in the refusal's words, e.g. "The consent API".</param>
    /// <param name="roles">The gateway roles the endpoint accepts: the token must carry one of them.</param>
    /// <param name="forbiddenCode">The problem code when the token lacks the role.</param>
    /// <returns>The caller, or null once a 401/403/503 has been written.</returns>
    public static async Task<GatewayIdentity?> AuthenticateAsync(HttpContext context, string stage, string api, IReadOnlyCollection<string> roles, string forbiddenCode)
    {
        var services = context.RequestServices;
        var header = context.Request.Headers.Authorization;
        if (header.Count != 1 || !IdentityMiddleware.TryGetBearer(header[0], out var token))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await GatewayProblem.RefuseAsync(context, stage, StatusCodes.Status401Unauthorized, "token_missing", $"{api} needs a bearer token.");
            return null;
        }
        var verdict = await services.GetRequiredService<AccessTokenValidator>().ValidateAsync(token, context.RequestAborted);
        if (verdict.ServerFault)
        {
            await GatewayProblem.RefuseAsync(context, stage, StatusCodes.Status503ServiceUnavailable, verdict.Reason!, "The token cannot be checked right now.");
            return null;
        }
        if (verdict.Identity is not { } identity || services.GetService<RevocationList>()?.Check(identity) is RevocationCheck.Revoked)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            await GatewayProblem.RefuseAsync(context, stage, StatusCodes.Status401Unauthorized, verdict.Reason ?? "revoked", "The token is not valid.");
            return null;
        }
        if (!roles.Any(identity.Roles.Contains))
        {
            await GatewayProblem.RefuseAsync(context, stage, StatusCodes.Status403Forbidden, forbiddenCode, $"The token carries none of the roles {string.Join(", ", roles)}.");
            return null;
        }
        return identity;
    }
}
