namespace Gateway.Core.Rules;

/// <summary>
/// An entity route such as <c>/api/contacts/{id}</c> or <c>/services/data/*/query</c>: <c>{name}</c>
/// and <c>*</c> match one segment; a last segment <c>{**rest}</c> or <c>**</c> matches any number of them.
/// </summary>
public sealed class RoutePattern
{
    private readonly string?[] _segments;
    private readonly bool _catchAll;

    private RoutePattern(string text, string?[] segments, bool catchAll)
    {
        Text = text;
        _segments = segments;
        _catchAll = catchAll;
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
        var segments = text.Trim('/').Split('/');
        if (segments.Any(s => s.Length == 0 && text != "/"))
        {
            error = "a route has no empty segments (//).";
            return null;
        }
        var last = segments[^1];
        var catchAll = last == "**" || (last.StartsWith("{**", StringComparison.Ordinal) && last.EndsWith('}'));
        if (segments[..^1].Any(s => s == "**" || s.StartsWith("{**", StringComparison.Ordinal)))
        {
            error = "a catch-all ({**rest} or **) may only be the last segment.";
            return null;
        }
        var fixedSegments = catchAll ? segments[..^1] : segments;
        return new RoutePattern(text, [.. fixedSegments.Select(s => s == "*" || (s.StartsWith('{') && s.EndsWith('}')) ? null : s)], catchAll);
    }

    /// <summary>Matches a request path case-insensitively (a CRM that ignores case must not offer an unmasked spelling).</summary>
    public bool Matches(string path)
    {
        var segments = path.Trim('/').Split('/');
        if (segments.Length == 1 && segments[0].Length == 0)
        {
            segments = [];
        }
        if (_catchAll ? segments.Length < _segments.Length : segments.Length != _segments.Length)
        {
            return false;
        }
        for (var i = 0; i < _segments.Length; i++)
        {
            if (_segments[i] is { } literal && !string.Equals(literal, segments[i], StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            if (_segments[i] is null && segments[i].Length == 0)
            {
                return false;
            }
        }
        return true;
    }
}
