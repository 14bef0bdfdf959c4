namespace Gateway.Identity;

/// <summary>Who the caller is, as established by a validated access token. Claim values live here only, never in logs.</summary>
internal sealed record GatewayIdentity(
    string Issuer,
    string Subject,
    string? ClientId,
    string? TokenId,
    IReadOnlySet<string> Roles,
    bool MfaUsed,
    DateTimeOffset ExpiresAt)
{
    /// <summary>The purpose the token was issued for (the issuer's purpose claim), if it names one.</summary>
    public string? Purpose { get; init; }
}
