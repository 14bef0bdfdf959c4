namespace Gateway.Core.Identity.Revocation;

/// <summary>What a revocation names: one token, every token of a subject, or every token of an OAuth client.</summary>
public enum RevocationKind
{
    TokenId,
    Subject,
    Client,
}

internal static class RevocationFields
{
    public static string Field(RevocationKind kind, string value) => kind switch
    {
        RevocationKind.TokenId => $"jti:{value}",
        RevocationKind.Subject => $"sub:{value}",
        RevocationKind.Client => $"client:{value}",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
