using Gateway.Identity.Keys;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Identity;

/// <summary>One configured issuer at run time: its settings, its key source and the fixed parts of its validation parameters.</summary>
internal sealed class TrustedIssuer(IssuerOptions options, IssuerKeySource keys, SecurityKey? symmetricKey, TimeSpan clockSkew) : IDisposable
{
    public IssuerOptions Options { get; } = options;

    public IssuerKeySource Keys { get; } = keys;

    public IReadOnlySet<string> Algorithms { get; } = options.EffectiveValidAlgorithms.ToHashSet(StringComparer.Ordinal);

    public RoleMapper Roles { get; } = new(options.EffectiveRoleClaims, options.RoleMap);

    /// <summary>Whether the key a cached token was signed with is still trusted (a key removed from the JWKS must stop validating).</summary>
    public bool StillTrusts(PublishedKeys published, string keyId) =>
        published.Ids.Contains(keyId) || (symmetricKey is not null && symmetricKey.KeyId == keyId);

    /// <summary>Parameters for one validation against the currently published keys.</summary>
    public TokenValidationParameters Parameters(PublishedKeys published) => new()
    {
        ValidIssuer = Options.Issuer,
        ValidAudiences = Options.Audiences,
        ValidAlgorithms = Options.EffectiveValidAlgorithms,
        ValidTypes = Options.EffectiveValidTypes,
        ClockSkew = clockSkew,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ValidateLifetime = true,
        ValidateIssuer = true,
        ValidateAudience = true,
        TryAllIssuerSigningKeys = false,
        IssuerSigningKeys = symmetricKey is null ? published.Keys : [.. published.Keys, symmetricKey],
    };

    public void Dispose() => Keys.Dispose();
}
