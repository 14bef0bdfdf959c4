namespace Gateway.Masking.Rules;

/// <summary>
/// An entity route such as <c>/api/contacts/{id}</c> or <c>/services/data/*/query</c>: <c>{name}</c>
/// and <c>*</c> match one segment; a last segment <c>{**rest}</c> or <c>**</c> matches any number of them.
/// </summary>
internal sealed class RoutePattern
{
    private readonly string?[] _segments;
    private readonly bool _catchAll;

    /// <summary>Per fixed segment, the name of a <c>{name}</c> parameter, or null.</summary>
    private readonly string?[] _parameters;

    private RoutePattern(string text, string?[] segments, bool catchAll, string?[] parameters)
    {
        Text = text;
        _segments = segments;
        _catchAll = catchAll;
        _parameters = parameters;
    }

    public string Text { get; }

    public static RoutePattern? Parse(string text, out string? error)
    {
        error = null;
        if (!text.StartsWith('/'))
        {
            error = "a route starts with /.";
            return null;
        }
        var trimmed = text.Trim('/');
        // "/" is the route of the root path alone: no segments, as the root path has none.
        string[] segments = trimmed.Length == 0 && text == "/" ? [] : trimmed.Split('/');
        if (segments.Any(s => s.Length == 0))
        {
            error = "a route has no empty segments (//).";
            return null;
        }
        var last = segments.Length > 0 ? segments[^1] : "";
        var catchAll = last == "**" || (last.StartsWith("{**", StringComparison.Ordinal) && last.EndsWith('}'));
        if (segments.SkipLast(1).Any(s => s == "**" || s.StartsWith("{**", StringComparison.Ordinal)))
        {
            error = "a catch-all ({**rest} or **) may only be the last segment.";
            return null;
        }
        var fixedSegments = catchAll ? segments[..^1] : segments;
        return new RoutePattern(
            text,
            [.. fixedSegments.Select(s => s == "*" || IsParameter(s) ? null : s)],
            catchAll,
            [.. fixedSegments.Select(s => IsParameter(s) ? s[1..^1] : null)]);
    }

    /// <summary>The route declares a one-segment parameter <c>{name}</c>.</summary>
    public bool HasParameter(string name) => _parameters.Contains(name, StringComparer.Ordinal);

    /// <summary>The segment of <paramref name="path"/> (which this route matches) in the place of <c>{name}</c>, or null.</summary>
    public string? Parameter(ReadOnlySpan<char> path, string name)
    {
        var index = Array.IndexOf(_parameters, name);
        if (index < 0)
        {
            return null;
        }
        var trimmed = path.Trim('/');
        var i = 0;
        foreach (var range in trimmed.Split('/'))
        {
            if (i++ == index)
            {
                return trimmed[range].ToString();
            }
        }
        return null;
    }

    private static bool IsParameter(string segment) => segment.StartsWith('{') && segment.EndsWith('}') && !segment.StartsWith("{**", StringComparison.Ordinal);

    /// <summary>Matches a request path case-insensitively (a CRM that ignores case must not offer an unmasked spelling).</summary>
    /// <remarks>Walks the path in place: every proxied request is matched against every route until one fits.</remarks>
    public bool Matches(ReadOnlySpan<char> path)
    {
        var trimmed = path.Trim('/');
        var count = trimmed.IsEmpty ? 0 : trimmed.Count('/') + 1;
        if (_catchAll ? count < _segments.Length : count != _segments.Length)
        {
            return false;
        }
        var i = 0;
        foreach (var range in trimmed.Split('/'))
        {
            if (i == _segments.Length)
            {
                break;
            }
            var segment = trimmed[range];
            if (_segments[i] is { } literal ? !segment.Equals(literal, StringComparison.OrdinalIgnoreCase) : segment.IsEmpty)
            {
                return false;
            }
            i++;
        }
        return true;
    }
}
