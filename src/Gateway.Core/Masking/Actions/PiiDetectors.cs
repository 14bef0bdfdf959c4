using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Core.Masking.Actions;

/// <summary>
/// Finds personal data inside free text. Card numbers must pass the Luhn check and IBANs the
/// mod-97 check, so ordinary numbers are left alone. Every pattern has a match timeout.
/// </summary>
public static partial class PiiDetectors
{
    public static readonly IReadOnlyList<string> Names = ["email", "phone", "card", "ssn", "iban"];

    /// <summary>Replaces every span found by the named detectors with a label such as <c>[CARD]</c>.</summary>
    public static string Scrub(string text, IReadOnlyList<string> detectors)
    {
        var spans = new List<(int Start, int Length, string Label)>();
        foreach (var name in Ordered(detectors))
        {
            foreach (Match match in Pattern(name).Matches(text))
            {
                if (Accept(name, match.Value) && !spans.Any(s => match.Index < s.Start + s.Length && s.Start < match.Index + match.Length))
                {
                    spans.Add((match.Index, match.Length, $"[{name.ToUpperInvariant()}]"));
                }
            }
        }
        if (spans.Count == 0)
        {
            return text;
        }
        var result = new StringBuilder(text.Length);
        var position = 0;
        foreach (var (start, length, label) in spans.OrderBy(s => s.Start))
        {
            result.Append(text, position, start - position).Append(label);
            position = start + length;
        }
        return result.Append(text, position, text.Length - position).ToString();
    }

    /// <summary>Most specific first, so a card number is not taken for a phone number.</summary>
    private static IEnumerable<string> Ordered(IReadOnlyList<string> detectors) =>
        new[] { "iban", "card", "ssn", "email", "phone" }.Where(detectors.Contains);

    private static Regex Pattern(string name) => name switch
    {
        "email" => Email(),
        "phone" => Phone(),
        "card" => Card(),
        "ssn" => Ssn(),
        "iban" => Iban(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown detector"),
    };

    private static bool Accept(string name, string value) => name switch
    {
        "card" => PassesLuhn(value),
        "iban" => PassesMod97(value),
        "phone" => value.Count(char.IsAsciiDigit) >= 9,
        _ => true,
    };

    internal static bool PassesLuhn(string value)
    {
        var digits = value.Where(char.IsAsciiDigit).Select(c => c - '0').ToArray();
        if (digits.Length is < 13 or > 19)
        {
            return false;
        }
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var digit = digits[digits.Length - 1 - i];
            if (i % 2 == 1)
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

    internal static bool PassesMod97(string value)
    {
        var compact = new string([.. value.Where(c => !char.IsWhiteSpace(c))]).ToUpperInvariant();
        if (compact.Length is < 15 or > 34)
        {
            return false;
        }
        var rearranged = compact[4..] + compact[..4];
        var numeric = new StringBuilder();
        foreach (var c in rearranged)
        {
            numeric.Append(char.IsAsciiDigit(c) ? c.ToString() : (c - 'A' + 10).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return BigInteger.Parse(numeric.ToString(), System.Globalization.CultureInfo.InvariantCulture) % 97 == 1;
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
