namespace Gateway.Identity;

/// <summary>RFC 6750 / RFC 9470 <c>WWW-Authenticate</c> values. They name an error class, never why a token failed.</summary>
internal static class BearerChallenge
{
    private const string Realm = "Bearer realm=\"compliance-gateway\"";

    public const string NoToken = Realm;

    public const string InvalidRequest = Realm + ", error=\"invalid_request\"";

    public const string InvalidToken = Realm + ", error=\"invalid_token\"";

    public const string InsufficientScope = Realm + ", error=\"insufficient_scope\"";

    public const string InsufficientUserAuthentication =
        Realm + ", error=\"insufficient_user_authentication\", error_description=\"multi-factor authentication is required\"";
}
