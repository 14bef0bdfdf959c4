using System.Text.Unicode;

namespace Gateway.RequestGuard;

/// <summary>
/// Decides whether a raw request target (as the client sent it, before any decoding) is
/// unambiguous. Anything a CRM, a WAF and the gateway might read differently is refused rather
/// than normalised, so the gateway authorises exactly the path it forwards.
/// </summary>
internal static class RequestTargetInspector
{
    private const int StackDecodeLimit = 512;

    /// <summary>Returns null for an acceptable target, otherwise a reason code.</summary>
    public static string? Inspect(string rawTarget)
    {
        if (rawTarget.Length == 0 || rawTarget[0] != '/')
        {
            return "target_not_origin_form";
        }
        var queryStart = rawTarget.IndexOf('?');
        var path = queryStart < 0 ? rawTarget.AsSpan() : rawTarget.AsSpan(0, queryStart);
        return InspectCharacters(path) ?? InspectSegments(path) ?? InspectDecodedText(path)
            ?? (queryStart >= 0 ? InspectQuery(rawTarget.AsSpan(queryStart)) : null);
    }

    /// <summary>
    /// The query is forwarded as sent, except that a raw '#' (which a client never sends: it begins
    /// a fragment) would reach the CRM re-encoded as %23, a value the gateway never saw.
    /// </summary>
    private static string? InspectQuery(ReadOnlySpan<char> query) => query.Contains('#') ? "query_fragment" : null;

    private static string? InspectCharacters(ReadOnlySpan<char> path)
    {
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            switch (c)
            {
                case < ' ' or '\x7f':
                    return "path_control_character";
                case '\\':
                    return "path_backslash";
                case ';':
                    return "path_semicolon";
                case '#':
                    return "path_fragment";
                case > '~':
                    return "path_unencoded_non_ascii";
                case '%':
                    if (i + 2 >= path.Length || !IsHex(path[i + 1]) || !IsHex(path[i + 2]))
                    {
                        return "path_malformed_percent_encoding";
                    }
                    var reason = InspectEncodedByte((byte)((HexValue(path[i + 1]) << 4) | HexValue(path[i + 2])));
                    if (reason is not null)
                    {
                        return reason;
                    }
                    i += 2;
                    break;
            }
        }
        return null;
    }

    private static string? InspectEncodedByte(byte value) => value switch
    {
        (byte)'/' => "path_encoded_slash",
        (byte)'\\' => "path_encoded_backslash",
        (byte)'%' => "path_double_encoding",
        (byte)'.' => "path_encoded_dot",
        (byte)';' => "path_encoded_semicolon",
        < 0x20 or 0x7f => "path_encoded_control_character",
        _ => null,
    };

    private static string? InspectSegments(ReadOnlySpan<char> path)
    {
        var rest = path[1..];
        while (true)
        {
            var end = rest.IndexOf('/');
            var segment = end < 0 ? rest : rest[..end];
            if (segment is "." or "..")
            {
                return "path_dot_segment";
            }
            if (end < 0)
            {
                return null;
            }
            if (segment.IsEmpty)
            {
                return "path_empty_segment";
            }
            rest = rest[(end + 1)..];
        }
    }

    /// <summary>Percent-encoded bytes must form valid UTF-8 (no overlong forms) and no look-alike of '/', '\' or '.'.</summary>
    private static string? InspectDecodedText(ReadOnlySpan<char> path)
    {
        if (!path.Contains('%'))
        {
            return null;
        }
        Span<byte> buffer = path.Length <= StackDecodeLimit ? stackalloc byte[path.Length] : new byte[path.Length];
        var length = 0;
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '%')
            {
                buffer[length++] = (byte)((HexValue(path[i + 1]) << 4) | HexValue(path[i + 2]));
                i += 2;
            }
            else
            {
                buffer[length++] = (byte)path[i];
            }
        }
        var decoded = buffer[..length];
        if (!Utf8.IsValid(decoded))
        {
            return "path_invalid_utf8";
        }
        return ContainsConfusable(decoded) ? "path_confusable_character" : null;
    }

    private static bool ContainsConfusable(ReadOnlySpan<byte> utf8)
    {
        Span<char> chars = utf8.Length <= StackDecodeLimit ? stackalloc char[utf8.Length] : new char[utf8.Length];
        var count = System.Text.Encoding.UTF8.GetChars(utf8, chars);
        foreach (var c in chars[..count])
        {
            // Fullwidth solidus/reverse solidus/full stop, division slash, set minus, one-dot leader, fraction slash:
            // Unicode normalisation turns each into a path delimiter on some servers.
            if (c is '\uFF0F' or '\uFF3C' or '\uFF0E' or '\u2215' or '\u2216' or '\u2024' or '\u2044')
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
