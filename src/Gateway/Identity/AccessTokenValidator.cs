using System.Text.Json;
using Gateway.Identity.Keys;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Identity;

/// <summary>
/// Decides whether a bearer token is a valid access token of a configured issuer, and whom it
/// names. Cheap refusals come first (size, shape, JWE, then the strict reading of
/// <see cref="StrictCompactJws"/>: encoding, duplicate members, date types, iat, crit; then alg,
/// issuer) so attack tokens never reach signature checking; a token seen before costs a hash and
/// a cache lookup, and the token a keep-alive connection presented just before costs neither
/// (<see cref="ConnectionTokenMemo"/>).
/// </summary>
internal sealed class AccessTokenValidator(IssuerRegistry issuers, ValidatedTokenCache cache, MfaFacts mfa, TimeProvider time, int maxTokenBytes, TimeSpan clockSkew)
{
    private readonly JsonWebTokenHandler _handler = new() { MaximumTokenSizeInBytes = maxTokenBytes };

    public ValueTask<TokenVerdict> ValidateAsync(ReadOnlyMemory<char> token, CancellationToken cancellationToken) =>
        ValidateAsync(token, null, cancellationToken);

    /// <param name="memo">The caller's connection's memo, to recall a token it presented just before and to remember this one.</param>
    public async ValueTask<TokenVerdict> ValidateAsync(ReadOnlyMemory<char> token, ConnectionTokenMemo? memo, CancellationToken cancellationToken)
    {
        if (token.Length > maxTokenBytes)
        {
            return TokenVerdict.Refused("token_too_large");
        }
        switch (token.Span.Count('.'))
        {
            case 4:
                return TokenVerdict.Refused("jwe_not_accepted");
            case not 2:
                return TokenVerdict.Refused("token_malformed");
        }

        if (!cache.Enabled)
        {
            memo = null;
        }
        if (memo?.Recall(token) is { } recalled && await IsStillValidAsync(recalled, cancellationToken))
        {
            return TokenVerdict.Valid(recalled.Identity);
        }
        var hash = ValidatedTokenCache.Hash(token.Span);
        if (cache.Get(hash) is { } cached && await IsStillValidAsync(cached, cancellationToken))
        {
            memo?.Remember(token, cached);
            return TokenVerdict.Valid(cached.Identity);
        }

        if (StrictCompactJws.FindFault(token.Span, LatestIssuedAt()) is { } fault)
        {
            return TokenVerdict.Refused(fault);
        }
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenMalformedException or JsonException)
        {
            return TokenVerdict.Refused("token_malformed");
        }
        if (!issuers.TryFind(jwt.Issuer, out var issuer))
        {
            return TokenVerdict.Refused("issuer_unknown");
        }
        if (!issuer.Algorithms.Contains(jwt.Alg))
        {
            return TokenVerdict.Refused("alg_not_allowed");
        }
        var validated = await ValidateSignedAsync(jwt, issuer, cancellationToken);
        if (validated.Entry is not { } entry)
        {
            return validated.Verdict;
        }
        cache.Add(hash, entry);
        memo?.Remember(token, entry);
        return validated.Verdict;
    }

    private async ValueTask<(TokenVerdict Verdict, CachedToken? Entry)> ValidateSignedAsync(JsonWebToken jwt, TrustedIssuer issuer, CancellationToken cancellationToken)
    {
        TokenValidationResult result;
        try
        {
            result = await _handler.ValidateTokenAsync(jwt, issuer.Parameters(await issuer.Keys.GetKeysAsync(cancellationToken)));
            if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
            {
                issuer.Keys.RequestRefresh();
                result = await _handler.ValidateTokenAsync(jwt, issuer.Parameters(await issuer.Keys.GetKeysAsync(cancellationToken)));
            }
        }
        catch (KeysUnavailableException)
        {
            return (TokenVerdict.KeysUnavailable, null);
        }
        if (!result.IsValid)
        {
            return (TokenVerdict.Refused(ReasonFor(result.Exception)), null);
        }
        if (string.IsNullOrEmpty(jwt.Subject))
        {
            return (TokenVerdict.Refused("subject_missing"), null);
        }

        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
        var root = payload.RootElement;
        var identity = new GatewayIdentity(
            issuer.Options.Name,
            jwt.Subject,
            StringClaim(root, issuer.Options.ClientIdClaim) ?? StringClaim(root, "azp"),
            string.IsNullOrEmpty(jwt.Id) ? null : jwt.Id,
            issuer.Roles.Map(root),
            mfa.UsedMfa(root),
            new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero))
        {
            Purpose = StringClaim(root, issuer.Options.PurposeClaim),
        };
        return (TokenVerdict.Valid(identity), new CachedToken(identity, issuer, string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid));
    }

    /// <summary>A cached token stays valid until its exp, and only while its signing key is still published.</summary>
    private async ValueTask<bool> IsStillValidAsync(CachedToken cached, CancellationToken cancellationToken)
    {
        if (cached.Identity.ExpiresAt <= time.GetUtcNow())
        {
            return false;
        }
        if (cached.KeyId is null)
        {
            return true;
        }
        try
        {
            return cached.Issuer.StillTrusts(await cached.Issuer.Keys.GetKeysAsync(cancellationToken), cached.KeyId);
        }
        catch (KeysUnavailableException)
        {
            return false;
        }
    }

    /// <summary>The latest <c>iat</c> a token may carry, in Unix seconds: a token issued later than now plus the skew comes from a clock or an issuer that is wrong.</summary>
    private double LatestIssuedAt() => (time.GetUtcNow() + clockSkew).ToUnixTimeMilliseconds() / 1000.0;

    private static string? StringClaim(JsonElement payload, string name) =>
        payload.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string ReasonFor(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "token_expired",
        SecurityTokenNotYetValidException => "token_not_yet_valid",
        SecurityTokenNoExpirationException => "exp_missing",
        SecurityTokenInvalidLifetimeException => "lifetime_invalid",
        SecurityTokenInvalidAudienceException => "audience_invalid",
        SecurityTokenInvalidIssuerException => "issuer_unknown",
        SecurityTokenInvalidAlgorithmException => "alg_not_allowed",
        SecurityTokenInvalidTypeException => "type_invalid",
        SecurityTokenSignatureKeyNotFoundException => "unknown_key",
        SecurityTokenInvalidSignatureException => "bad_signature",
        SecurityTokenMalformedException => "token_malformed",
        _ => "invalid_token",
    };
}

/// <summary>The outcome of validating one token: an identity, or a reason code (and whether the fault is ours).</summary>
internal readonly record struct TokenVerdict(GatewayIdentity? Identity, string? Reason, bool ServerFault)
{
    public static readonly TokenVerdict KeysUnavailable = new(null, "keys_unavailable", true);

    public static TokenVerdict Valid(GatewayIdentity identity) => new(identity, null, false);

    public static TokenVerdict Refused(string reason) => new(null, reason, false);
}
