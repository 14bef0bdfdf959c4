using System.Collections.Frozen;

namespace Gateway.RequestGuard;

/// <summary>
/// Ways a client could ask the CRM to act on another method than the one the gateway checked,
/// audited and authorised: the override headers frameworks honour, and the query parameters that
/// do the same (<c>_method</c>; Salesforce's <c>_HttpMethod</c>). Refused, never stripped, so a
/// client that relies on one learns why its request does not do what it meant.
/// </summary>
internal static class MethodOverride
{
    public static readonly IReadOnlyList<string> Headers = ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"];

    private static readonly FrozenSet<string> QueryKeys =
        Headers.Concat(["_method", "_HttpMethod"]).ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> QueryKeysBySpan = QueryKeys.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Longest query key that can decode to one of <see cref="QueryKeys"/> (every character percent-encoded).</summary>
    private static readonly int MaxEncodedKeyLength = QueryKeys.Max(k => k.Length) * 3;

    public static bool IsRequested(IHeaderDictionary headers, QueryString query)
    {
        foreach (var name in Headers)
        {
            if (headers.ContainsKey(name))
            {
                return true;
            }
        }
        return query.HasValue && HasOverrideKey(query.Value.AsSpan(1));
    }

    /// <summary>Keys are compared as a server would read them: percent-decoded, '+' as a space, '&amp;' or ';' between pairs.</summary>
    private static bool HasOverrideKey(ReadOnlySpan<char> query)
    {
        foreach (var range in query.SplitAny('&', ';'))
        {
            var pair = query[range];
            var equals = pair.IndexOf('=');
            var key = equals < 0 ? pair : pair[..equals];
            if (key.IsEmpty || key.Length > MaxEncodedKeyLength)
            {
                continue;
            }
            var found = key.ContainsAny('%', '+')
                ? QueryKeys.Contains(Uri.UnescapeDataString(key.ToString().Replace('+', ' ')))
                : QueryKeysBySpan.Contains(key);
            if (found)
            {
                return true;
            }
        }
        return false;
    }
}
