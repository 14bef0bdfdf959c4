using Microsoft.IdentityModel.Tokens;

namespace Gateway.Identity.Keys;

/// <summary>Where one issuer's signing keys come from. Keys are only ever taken from here, never from a token's own header.</summary>
internal abstract class IssuerKeySource : IDisposable
{
    /// <summary>The keys published now. Throws <see cref="KeysUnavailableException"/> when none can be had.</summary>
    public abstract ValueTask<PublishedKeys> GetKeysAsync(CancellationToken cancellationToken);

    /// <summary>A token named a key we do not have: fetch again (rate-limited by the source).</summary>
    public abstract void RequestRefresh();

    /// <summary>Why no keys can be had now (a cause such as "connection refused", never a secret), or null while keys are held.</summary>
    public virtual string? Unavailable => null;

    public virtual void Dispose()
    {
    }
}

/// <summary>One version of an issuer's key set, with its key ids for the cache's "is this key still published?" check.</summary>
internal sealed class PublishedKeys
{
    public PublishedKeys(IReadOnlyCollection<SecurityKey> keys)
    {
        Keys = keys;
        Ids = keys.Select(k => k.KeyId).OfType<string>().ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlyCollection<SecurityKey> Keys { get; }

    public IReadOnlySet<string> Ids { get; }
}

internal sealed class KeysUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
