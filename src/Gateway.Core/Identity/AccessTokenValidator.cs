using System.Text.Json;
using Gateway.Core.Identity.Keys;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Core.Identity;

/// <summary>
/// Decides whether a bearer token is a valid access token of a configured issuer, and whom it
/// names. Cheap refusals come first (size, shape, JWE, crit, alg, issuer) so attack tokens never
/// reach signature checking; a token seen before costs a hash and a cache lookup.
/// </summary>
internal sealed class AccessTokenValidator(IssuerRegistry issuers, ValidatedTokenCache cache, MfaFacts mfa, TimeProvider time, int maxTokenBytes)
{
    private readonly JsonWebTokenHandler _handler = new() { MaximumTokenSizeInBytes = maxTokenBytes };

    public async ValueTask<TokenVerdict> ValidateAsync(ReadOnlyMemory<char> token, CancellationToken cancellationToken)
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

        var hash = ValidatedTokenCache.Hash(token.Span);
        if (cache.Get(hash) is { } cached && await IsStillValidAsync(cached, cancellationToken))
        {
            return TokenVerdict.Valid(cached.Identity);
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
        if (jwt.TryGetHeaderValue<object>("crit", out _))
        {
            return TokenVerdict.Refused("crit_unsupported");
        }
        if (!issuers.TryFind(jwt.Issuer, out var issuer))
        {
            return TokenVerdict.Refused("issuer_unknown");
        }
        if (!issuer.Algorithms.Contains(jwt.Alg))
        {
            return TokenVerdict.Refused("alg_not_allowed");
        }
        return await ValidateSignedAsync(jwt, issuer, hash, cancellationToken);
    }

    private async ValueTask<TokenVerdict> ValidateSignedAsync(JsonWebToken jwt, TrustedIssuer issuer, TokenHash hash, CancellationToken cancellationToken)
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
            return TokenVerdict.KeysUnavailable;
        }
        if (!result.IsValid)
        {
            return TokenVerdict.Refused(ReasonFor(result.Exception));
        }
        if (string.IsNullOrEmpty(jwt.Subject))
        {
            return TokenVerdict.Refused("subject_missing");
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
        cache.Add(hash, new CachedToken(identity, issuer, string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid));
        return TokenVerdict.Valid(identity);
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
