using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections.Features;

namespace Gateway.Identity;

/// <summary>
/// The token an HTTP/1.x connection presented last, and the validated token it stood for. Kestrel
/// gives a keep-alive connection's unchanged header value back as the same string, so a client
/// sending the same token again is recognised by reference, without the SHA-256 of a kilobyte
/// token and the cache lookup that finding it in <see cref="ValidatedTokenCache"/> costs. Only the
/// reference is compared: another token, or the same one in a new string, takes the ordinary path.
/// What a cached token is checked for on every request (expiry, signing key, revocation) still is.
/// </summary>
internal sealed class ConnectionTokenMemo
{
    private static readonly object ItemKey = new();
    private string? _source;
    private int _start;
    private int _length;
    private CachedToken? _entry;

    /// <returns>Null on HTTP/2 and HTTP/3, whose streams use their connection's items at the same time; an HTTP/1.x connection serves one request at a time.</returns>
    public static ConnectionTokenMemo? For(HttpContext context)
    {
        var protocol = context.Request.Protocol;
        if (!HttpProtocol.IsHttp11(protocol) && !HttpProtocol.IsHttp10(protocol)
            || context.Features.Get<IConnectionItemsFeature>()?.Items is not { } items)
        {
            return null;
        }
        if (items.TryGetValue(ItemKey, out var memo))
        {
            return (ConnectionTokenMemo)memo!;
        }
        var created = new ConnectionTokenMemo();
        items[ItemKey] = created;
        return created;
    }

    /// <summary>The entry remembered for exactly this token string, or null.</summary>
    public CachedToken? Recall(ReadOnlyMemory<char> token) =>
        _entry is not null && MemoryMarshal.TryGetString(token, out var source, out var start, out var length)
        && ReferenceEquals(source, _source) && start == _start && length == _length
            ? _entry
            : null;

    public void Remember(ReadOnlyMemory<char> token, CachedToken entry)
    {
        if (MemoryMarshal.TryGetString(token, out var source, out var start, out var length))
        {
            (_source, _start, _length, _entry) = (source, start, length, entry);
        }
    }
}
