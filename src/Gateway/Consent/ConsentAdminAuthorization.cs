using Gateway.Admin;
using Gateway.Identity;
using Microsoft.Extensions.Options;

namespace Gateway.Consent;

/// <summary>The consent API accepts the same access tokens as the proxy (same issuers, revocation), and only with the consent admin role.</summary>
internal static class ConsentAdminAuthorization
{
    /// <returns>The caller, or null once a 401/403/503 has been written.</returns>
    public static Task<GatewayIdentity?> AuthenticateAsync(HttpContext context) =>
        AdminTokenAuthorization.AuthenticateAsync(context, "consent_api", "The consent API",
            [context.RequestServices.GetRequiredService<IOptions<ConsentOptions>>().Value.AdminRole], "consent_admin_required");
}
