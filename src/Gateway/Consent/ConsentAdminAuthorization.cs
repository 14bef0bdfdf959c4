using Gateway.Identity;
using Gateway.Identity.Revocation;
using Gateway.Pipeline;
using Microsoft.Extensions.Options;

namespace Gateway.Consent;

/// <summary>The consent API accepts the same access tokens as the proxy (same issuers, revocation), and only with the consent admin role.</summary>
internal static class ConsentAdminAuthorization
{
    private const string Stage = "consent_api";

    /// <returns>The caller, or null once a 401/403/503 has been written.</returns>
    public static async Task<GatewayIdentity?> AuthenticateAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var header = context.Request.Headers.Authorization;
        if (header.Count != 1 || !IdentityMiddleware.TryGetBearer(header[0], out var token))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await GatewayProblem.RefuseAsync(context, Stage, StatusCodes.Status401Unauthorized, "token_missing", "The consent API needs a bearer token.");
            return null;
        }
        var verdict = await services.GetRequiredService<AccessTokenValidator>().ValidateAsync(token, context.RequestAborted);
        if (verdict.ServerFault)
        {
            await GatewayProblem.RefuseAsync(context, Stage, StatusCodes.Status503ServiceUnavailable, verdict.Reason!, "The token cannot be checked right now.");
            return null;
        }
        if (verdict.Identity is not { } identity || services.GetService<RevocationList>()?.Check(identity) is RevocationCheck.Revoked)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            await GatewayProblem.RefuseAsync(context, Stage, StatusCodes.Status401Unauthorized, verdict.Reason ?? "revoked", "The token is not valid.");
            return null;
        }
        if (!identity.Roles.Contains(services.GetRequiredService<IOptions<ConsentOptions>>().Value.AdminRole))
        {
            await GatewayProblem.RefuseAsync(context, Stage, StatusCodes.Status403Forbidden, "consent_admin_required", "The token does not carry the consent admin role.");
            return null;
        }
        return identity;
    }
}
