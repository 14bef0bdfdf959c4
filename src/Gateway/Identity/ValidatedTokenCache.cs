using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;

namespace Gateway.Identity;

/// <summary>
/// Tokens already validated, keyed by a SHA-256 of the token (never the token itself), bounded
/// in count and never kept beyond the token's <c>exp</c>. Revocation is checked on every
/// request after a hit, so a revoked token is refused even while it sits here.
/// </summary>
internal sealed class ValidatedTokenCache : IDisposable
{
    private readonly MemoryCache? _cache;

    public ValidatedTokenCache(int size)
    {
        _cache = size == 0 ? null : new MemoryCache(new MemoryCacheOptions { SizeLimit = size, CompactionPercentage = 0.25 });
    }

    public static TokenHash Hash(ReadOnlySpan<char> token)
    {
        Span<byte> utf8 = token.Length <= 4096 ? stackalloc byte[token.Length] : new byte[token.Length];
        var length = Encoding.ASCII.GetBytes(token, utf8);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(utf8[..length], digest);
        return new TokenHash(
            BitConverter.ToUInt64(digest[..8]), BitConverter.ToUInt64(digest[8..16]),
            BitConverter.ToUInt64(digest[16..24]), BitConverter.ToUInt64(digest[24..]));
    }

    /// <summary>False when <c>TokenCacheSize</c> is 0: every request's token is then validated in full.</summary>
    public bool Enabled => _cache is not null;

    public CachedToken? Get(TokenHash hash) => _cache?.Get<CachedToken>(hash);

    public void Add(TokenHash hash, CachedToken entry)
    {
        _cache?.Set(hash, entry, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = entry.Identity.ExpiresAt });
    }

    public void Dispose() => _cache?.Dispose();
}

internal readonly record struct TokenHash(ulong A, ulong B, ulong C, ulong D);

/// <summary>A validated token: who it names, and the issuer and key that vouched for it.</summary>
internal sealed record CachedToken(GatewayIdentity Identity, TrustedIssuer Issuer, string? KeyId);
