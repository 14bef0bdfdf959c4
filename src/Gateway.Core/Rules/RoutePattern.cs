namespace Gateway.Core.Rules;

/// <summary>An entity route such as <c>/api/contacts/{id}</c> or <c>/services/data/*/query</c>: <c>{name}</c> and <c>*</c> match one segment.</summary>
public sealed class RoutePattern
{
    private readonly string?[] _segments;

    private RoutePattern(string text, string?[] segments)
    {
        Text = text;
        _segments = segments;
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
        return new RoutePattern(text, [.. segments.Select(s => s == "*" || (s.StartsWith('{') && s.EndsWith('}')) ? null : s)]);
    }

    /// <summary>Matches a request path case-insensitively (a CRM that ignores case must not offer an unmasked spelling).</summary>
    public bool Matches(string path)
    {
        var segments = path.Trim('/').Split('/');
        if (segments.Length != _segments.Length)
        {
            return false;
        }
        for (var i = 0; i < segments.Length; i++)
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
