using System.Collections.Frozen;

namespace Gateway.Upstream;

/// <summary>
/// The header names one direction lets through: exact names, and prefixes written with a trailing
/// <c>*</c> (<c>X-RateLimit-*</c>). A name of <paramref name="never"/> is refused whatever the list
/// says, so a broad prefix cannot let one through.
/// </summary>
internal sealed class HeaderAllowList
{
    private readonly IReadOnlyList<string> _entries;
    private readonly FrozenSet<string> _names;
    private readonly string[] _prefixes;
    private readonly HeaderDenyList _never;

    public HeaderAllowList(IEnumerable<string> entries, HeaderDenyList never)
    {
        _entries = [.. entries.Select(e => e.Trim()).Where(e => e.Length > 0)];
        _names = _entries.Where(e => !e.EndsWith('*')).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _prefixes = [.. _entries.Where(e => e.EndsWith('*')).Select(e => e[..^1])];
        _never = never;
    }

    public bool Allows(string name)
    {
        if (_never.Contains(name))
        {
            return false;
        }
        if (_names.Contains(name))
        {
            return true;
        }
        foreach (var prefix in _prefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>This list and <paramref name="more"/> (a route's own entries).</summary>
    public HeaderAllowList With(IReadOnlyList<string> more) => more.Count == 0 ? this : new([.. _entries, .. more], _never);

    /// <summary>The entries of a comma-separated value (YARP route metadata).</summary>
    public static IReadOnlyList<string> Split(string? value) =>
        value is null ? [] : value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>What is wrong with one configured entry, or null.</summary>
    public static string? Problem(string entry, HeaderDenyList never)
    {
        var trimmed = entry.Trim();
        var isPrefix = trimmed.EndsWith('*');
        var name = isPrefix ? trimmed[..^1] : trimmed;
        if (isPrefix && name.Length == 0)
        {
            return "'*' would let every header through; list names, or prefixes such as 'X-RateLimit-*'.";
        }
        if (name.Contains('*') || !HeaderName.IsValid(name))
        {
            return $"'{entry}' is neither a header name nor a prefix ending in '*' (such as 'X-RateLimit-*').";
        }
        if (never.Contains(name))
        {
            return $"'{entry}' can never be let through: {never.Reason}";
        }
        return null;
    }
}

/// <summary>Header names that never pass in one direction, whatever an allow-list says, and why.</summary>
internal sealed class HeaderDenyList(IEnumerable<string> names, IEnumerable<string> prefixes, string reason)
{
    private readonly FrozenSet<string> _names = names.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    private readonly string[] _prefixes = [.. prefixes];

    public string Reason { get; } = reason;

    public bool Contains(string name)
    {
        if (_names.Contains(name))
        {
            return true;
        }
        foreach (var prefix in _prefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
