namespace Gateway.Audit;

/// <summary>The caller of a request as its event names it (OCSF <c>actor</c>): what a validated access token said.</summary>
public sealed record AuditActor(
    string Issuer,
    string Subject,
    string? ClientId,
    string? TokenId,
    IReadOnlySet<string> Roles,
    bool MfaUsed);
