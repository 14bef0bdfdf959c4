namespace Gateway.ControlPlane;

/// <summary>What a revocation names: one token, every token of a subject, or every token of an OAuth client.</summary>
public enum RevocationKind
{
    TokenId,
    Subject,
    Client,
}

/// <summary>How a revocation is named in the Redis hash: <c>sub:alice</c>, <c>jti:…</c>, <c>client:…</c>.</summary>
public static class RevocationFields
{
    private static readonly (RevocationKind Kind, string Prefix)[] Prefixes =
        [(RevocationKind.TokenId, "jti:"), (RevocationKind.Subject, "sub:"), (RevocationKind.Client, "client:")];

    internal static string Field(RevocationKind kind, string value) => Prefixes.First(p => p.Kind == kind).Prefix + value;

    public static bool TryParse(string field, out (RevocationKind Kind, string Value) revocation)
    {
        foreach (var (kind, prefix) in Prefixes)
        {
            if (field.StartsWith(prefix, StringComparison.Ordinal))
            {
                revocation = (kind, field[prefix.Length..]);
                return true;
            }
        }
        revocation = default;
        return false;
    }
}
