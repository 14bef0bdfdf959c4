using Gateway.Identity.Keys;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Identity;

/// <summary>One configured issuer at run time: its settings, its key source and the fixed parts of its validation parameters.</summary>
internal sealed class TrustedIssuer(IssuerOptions options, IssuerKeySource keys, SecurityKey? symmetricKey, TimeSpan clockSkew, TimeProvider time) : IDisposable
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
        LifetimeValidator = ValidateLifetime,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ValidateLifetime = true,
        ValidateIssuer = true,
        ValidateAudience = true,
        TryAllIssuerSigningKeys = false,
        IssuerSigningKeys = symmetricKey is null ? published.Keys : [.. published.Keys, symmetricKey],
    };

    /// <summary>
    /// The library's own lifetime check with the gateway's clock instead of the machine's (the
    /// library reads <c>DateTime.UtcNow</c>), so that a token is judged by the same clock as the
    /// token cache judges it. Throws the library's own exceptions, which name the refusal reason.
    /// </summary>
    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (expires is not { } expiry)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiration time.");
        }
        if (notBefore is { } start && start > expiry)
        {
            throw new SecurityTokenInvalidLifetimeException("The token's nbf is after its exp.") { NotBefore = start, Expires = expiry };
        }
        if (notBefore is { } validFrom && validFrom > now.Add(clockSkew))
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = validFrom };
        }
        if (expiry < now.Subtract(clockSkew))
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = expiry };
        }
        return true;
    }

    public void Dispose() => Keys.Dispose();
}
