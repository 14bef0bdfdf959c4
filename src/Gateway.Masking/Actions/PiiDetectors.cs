using System.Text.RegularExpressions;

namespace Gateway.Masking.Actions;

/// <summary>
/// Finds personal data inside free text. Card numbers must pass the Luhn check and IBANs the
/// mod-97 check, so ordinary numbers are left alone. Every pattern has a match timeout.
/// </summary>
internal static partial class PiiDetectors
{
    public static readonly IReadOnlyList<string> Names = ["email", "phone", "card", "ssn", "iban"];

    /// <summary>The most characters <see cref="Scrub"/> can write for a text of this length: no label is longer than twice what it replaces.</summary>
    public static int MaxScrubbedLength(int textLength) => textLength * 2;

    /// <summary>
    /// Writes the text into <paramref name="destination"/> (at least <see cref="MaxScrubbedLength"/>
    /// long) with every span found by the named detectors replaced by a label such as <c>[CARD]</c>.
    /// </summary>
    /// <returns>The characters written, or -1 when nothing was found (the text stays as it is and nothing is written).</returns>
    public static int Scrub(ReadOnlySpan<char> text, IReadOnlyList<string> detectors, Span<char> destination)
    {
        // Every detector needs characters most texts lack (an @, or enough digits), so a text
        // without them skips that detector's regex; this is most of the action's cost on CRM notes.
        var digits = CountDigits(text);
        var found = new FoundSpans(stackalloc FoundSpan[FoundSpans.OnStack]);
        try
        {
            for (var detector = 0; detector < MostSpecificFirst.Length; detector++)
            {
                var name = MostSpecificFirst[detector];
                if (!detectors.Contains(name) || !MayMatch(name, text, digits))
                {
                    continue;
                }
                foreach (var match in Pattern(name).EnumerateMatches(text))
                {
                    if (Accept(name, text.Slice(match.Index, match.Length)))
                    {
                        found.AddUnlessOverlapping(new FoundSpan(match.Index, match.Length, detector));
                    }
                }
            }
            if (found.Count == 0)
            {
                return -1;
            }
            var written = 0;
            var position = 0;
            var wholeElements = !TextElements.AreChars(text);
            var elementStart = 0;
            foreach (var span in found.InOrder)
            {
                var (start, end) = (span.Start, span.End);
                if (wholeElements)
                {
                    // A label replaces whole text elements: no mark, joiner or half of an emoji is left behind.
                    TextElements.Widen(text, ref elementStart, ref start, ref end);
                    start = Math.Max(start, position);
                    if (end <= position)
                    {
                        continue;
                    }
                }
                text[position..start].CopyTo(destination[written..]);
                written += start - position;
                var label = Label(MostSpecificFirst[span.Detector]);
                label.CopyTo(destination[written..]);
                written += label.Length;
                position = end;
            }
            text[position..].CopyTo(destination[written..]);
            return written + text.Length - position;
        }
        finally
        {
            found.Dispose();
        }
    }

    /// <summary>Most specific first, so a card number is not taken for a phone number.</summary>
    private static readonly string[] MostSpecificFirst = ["iban", "card", "ssn", "email", "phone"];

    private static int CountDigits(ReadOnlySpan<char> text)
    {
        var digits = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
        }
        return digits;
    }

    /// <summary>The fewest digits (or the @) a match that <see cref="Accept"/> takes must have.</summary>
    private static bool MayMatch(string name, ReadOnlySpan<char> text, int digits) => name switch
    {
        "email" => text.Contains('@'),
        "phone" or "ssn" => digits >= 9,
        "card" => digits >= 13,
        "iban" => digits >= 2,
        _ => true,
    };

    private static string Label(string name) => name switch
    {
        "email" => "[EMAIL]",
        "phone" => "[PHONE]",
        "card" => "[CARD]",
        "ssn" => "[SSN]",
        "iban" => "[IBAN]",
        _ => $"[{name.ToUpperInvariant()}]",
    };

    private static Regex Pattern(string name) => name switch
    {
        "email" => Email(),
        "phone" => Phone(),
        "card" => Card(),
        "ssn" => Ssn(),
        "iban" => Iban(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown detector"),
    };

    private static bool Accept(string name, ReadOnlySpan<char> value) => name switch
    {
        "card" => PassesLuhn(value),
        "iban" => PassesMod97(value),
        "phone" => CountDigits(value) >= 9,
        _ => true,
    };

    internal static bool PassesLuhn(ReadOnlySpan<char> value)
    {
        var count = CountDigits(value);
        if (count is < 13 or > 19)
        {
            return false;
        }
        var sum = 0;
        var fromRight = 0;
        for (var i = value.Length - 1; i >= 0; i--)
        {
            if (!char.IsAsciiDigit(value[i]))
            {
                continue;
            }
            var digit = value[i] - '0';
            if (fromRight++ % 2 == 1)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }
            sum += digit;
        }
        return sum % 10 == 0;
    }

    /// <summary>ISO 13616: the first four characters moved to the end, letters as 10..35, the whole number mod 97 is 1 (computed piecewise).</summary>
    internal static bool PassesMod97(ReadOnlySpan<char> value)
    {
        Span<char> compact = stackalloc char[value.Length];
        var length = 0;
        foreach (var c in value)
        {
            if (!char.IsWhiteSpace(c))
            {
                compact[length++] = char.ToUpperInvariant(c);
            }
        }
        if (length is < 15 or > 34)
        {
            return false;
        }
        var remainder = 0;
        for (var i = 0; i < length; i++)
        {
            var c = compact[(i + 4) % length];
            remainder = char.IsAsciiDigit(c) ? ((remainder * 10) + (c - '0')) % 97 : ((remainder * 100) + (c - 'A' + 10)) % 97;
        }
        return remainder == 1;
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex Email();

    [GeneratedRegex(@"(?<![\w+])\+?\d[\d ().-]{7,18}\d(?!\w)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex Phone();

    [GeneratedRegex(@"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex Card();

    [GeneratedRegex(@"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex Ssn();

    [GeneratedRegex(@"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex Iban();
}
