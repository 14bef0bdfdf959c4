using System.Text;
using System.Text.Json;
using Gateway.Masking.Actions;

namespace Gateway.Masking.Tests.Actions;

public sealed class ActionTests
{
    private static readonly ActionContext Context = new(["email", "phone", "card", "ssn", "iban"], Encoding.UTF8.GetBytes("k"));

    [Theory]
    [InlineData("+1-555-212-5704", 0, 4, "***********5704")]
    [InlineData("4111111111111111", 4, 4, "4111********1111")]
    [InlineData("ab", 0, 4, "*b")]
    [InlineData("a", 0, 4, "*")]
    [InlineData("", 0, 4, "*")]
    [InlineData("x\"y\\z1\"2\\", 0, 4, "*****1\"2\\")]
    [InlineData("Zoë Ünal 12", 0, 4, "*******l 12")]
    [InlineData("tab\there\n", 0, 4, "*****ere\n")]
    public void Partial_NeverRevealsMoreThanHalf(string value, int first, int last, string expected)
    {
        var parameters = new Dictionary<string, string> { ["keep_first"] = first.ToString(), ["keep_last"] = last.ToString() };

        Assert.Equal(expected, Apply("partial", parameters, value));
    }

    [Theory]
    [InlineData("jane.doe@example.com", "j***@example.com")]
    [InlineData("not-an-address", "[REDACTED]")]
    [InlineData("@example.com", "[REDACTED]")]
    public void Email_KeepsFirstLetterAndDomain(string value, string expected)
    {
        Assert.Equal(expected, Apply("email", [], value));
    }

    [Fact]
    public void Hash_IsStable_Keyed_AndPrefixed()
    {
        var a = Apply("hash", [], "ada@example.com");
        var b = Apply("hash", [], "ada@example.com");
        var other = Apply("hash", [], "bob@example.com");
        var otherKey = Apply("hash", [], "ada@example.com", Context with { HashKey = Encoding.UTF8.GetBytes("k2") });

        Assert.Equal(a, b);
        Assert.NotEqual(a, other);
        Assert.NotEqual(a, otherKey);
        Assert.Matches("^h:[0-9a-f]{16}$", a);
    }

    [Theory]
    [InlineData("year", "1960-05-08", "1960")]
    [InlineData("month", "1960-05-08", "1960-05")]
    [InlineData("year", "May 1960", "[REDACTED]")]
    [InlineData("prefix", "83271", "83")]
    public void Generalize_StringsToTheirCoarserForm(string to, string value, string expected)
    {
        Assert.Equal(expected, Apply("generalize", new() { ["to"] = to, ["size"] = "2" }, value));
    }

    [Fact]
    public void Generalize_NumberToBucket()
    {
        Assert.Equal("\"40-49\"", ApplyRaw("generalize", new() { ["to"] = "bucket", ["size"] = "10" }, new JsonScalar(JsonScalarKind.Number, "42"u8)));
    }

    [Fact]
    public void Redact_IsTypeAware()
    {
        Assert.Equal("\"[REDACTED]\"", ApplyRaw("redact", [], new JsonScalar(JsonScalarKind.String, "x"u8)));
        Assert.Equal("null", ApplyRaw("redact", [], new JsonScalar(JsonScalarKind.Number, "42"u8)));
        Assert.Equal("null", ApplyRaw("redact", [], new JsonScalar(JsonScalarKind.True, "true"u8)));
    }

    [Theory]
    [InlineData("Card 4111 1111 1111 1111 ok", "Card [CARD] ok")]
    [InlineData("SSN 195-33-7518.", "SSN [SSN].")]
    [InlineData("mail ada@example.org now", "mail [EMAIL] now")]
    [InlineData("call +1-555-212-5704", "call [PHONE]")]
    [InlineData("IBAN GB82 WEST 1234 5698 7654 32 refund", "IBAN [IBAN] refund")]
    [InlineData("Order 12345 shipped in 2024", "Order 12345 shipped in 2024")]
    public void Detect_ReplacesOnlyRealPii(string text, string expected)
    {
        Assert.Equal(expected, Apply("detect", [], text));
    }

    /// <summary>Spans found by different detectors come out in text order, whichever detector ran first; text around them is kept, escapes included.</summary>
    [Theory]
    [InlineData("ada@example.org then 4111 1111 1111 1111", "[EMAIL] then [CARD]")]
    [InlineData("call +1-555-212-5704, IBAN GB82 WEST 1234 5698 7654 32, SSN 195-33-7518 or bob@example.com", "call [PHONE], IBAN [IBAN], SSN [SSN] or [EMAIL]")]
    [InlineData("Müller \"quoted\" ada@example.org ✓", "Müller \"quoted\" [EMAIL] ✓")]
    [InlineData("Müller \"quoted\" nothing here ✓", "Müller \"quoted\" nothing here ✓")]
    public void Detect_KeepsTextOrderAndTheTextBetween(string text, string expected)
    {
        Assert.Equal(expected, Apply("detect", [], text));
    }

    /// <summary>More findings than the detector keeps on the stack: every one is replaced.</summary>
    [Fact]
    public void Detect_ReplacesEveryOneOfManyFindings()
    {
        var text = string.Join(" and ", Enumerable.Range(0, 200).Select(i => $"user{i}@example.org 4111 1111 1111 1111"));

        var scrubbed = Apply("detect", [], text);

        Assert.Equal(string.Join(" and ", Enumerable.Repeat("[EMAIL] [CARD]", 200)), scrubbed);
    }

    /// <summary>A digit run that fails the card or IBAN check may still be taken for a phone number (masking too much is the safe error), but never labelled a card or IBAN.</summary>
    [Theory]
    [InlineData("Card 4111 1111 1111 1112 fails Luhn", "[CARD]")]
    [InlineData("IBAN GB00 WEST 1234 5698 7654 32 bad check", "[IBAN]")]
    public void Detect_FailedChecksumIsNotLabelledAsThatKind(string text, string label)
    {
        Assert.DoesNotContain(label, Apply("detect", [], text));
    }

    /// <summary>Published test numbers of several schemes and countries (one IBAN with a letter in its account part), and one-digit changes of each.</summary>
    [Theory]
    [InlineData("4111 1111 1111 1111", true)]
    [InlineData("5500-0000-0000-0004", true)]
    [InlineData("340000000000009", true)]
    [InlineData("6011000000000004", true)]
    [InlineData("4111 1111 1111 1112", false)]
    [InlineData("340000000000008", false)]
    [InlineData("411111111111", false)]
    public void LuhnCheck_AcceptsValidCardNumbersOnly(string number, bool valid)
    {
        Assert.Equal(valid, PiiDetectors.PassesLuhn(number));
    }

    [Theory]
    [InlineData("GB82 WEST 1234 5698 7654 32", true)]
    [InlineData("DE89 3704 0044 0532 0130 00", true)]
    [InlineData("FR14 2004 1010 0505 0001 3M02 606", true)]
    [InlineData("NL91ABNA0417164300", true)]
    [InlineData("GB82 WEST 1234 5698 7654 33", false)]
    [InlineData("DE89 3704 0044 0532 0130 01", false)]
    [InlineData("FR14 2004 1010 0505 0001 3N02 606", false)]
    [InlineData("NL91 ABNA 0417", false)]
    public void Mod97Check_AcceptsValidIbansOnly(string iban, bool valid)
    {
        Assert.Equal(valid, PiiDetectors.PassesMod97(iban));
    }

    // Text elements (grapheme clusters): an emoji (a surrogate pair), an emoji with a skin tone,
    // a ZWJ family, a flag (two regional indicators), a letter with a combining accent, a keycap.
    private const string Grinning = "\U0001F600";
    private const string ThumbsUpMediumSkin = "\U0001F44D\U0001F3FD";
    private const string Family = "\U0001F468\u200D\U0001F469\u200D\U0001F467";
    private const string Flag = "\U0001F1E9\U0001F1EA";
    private const string EAcute = "e\u0301";
    private const string KeycapOne = "1\uFE0F\u20E3";

    [Theory]
    [InlineData("1 " + Grinning + " Emoji St", 3, "1 " + Grinning)]
    [InlineData("1 " + Grinning + " Emoji St", 2, "1 ")]
    [InlineData(EAcute + "clair", 1, EAcute)]
    [InlineData(Family + " family", 1, Family)]
    [InlineData(Flag + Flag + " flags", 1, Flag)]
    [InlineData(ThumbsUpMediumSkin + "ok", 1, ThumbsUpMediumSkin)]
    [InlineData("line\r\nnext", 5, "line\r\n")]
    [InlineData(Grinning + Grinning, 2, "[REDACTED]")]
    public void GeneralizePrefix_CountsTextElements_NeverHalfAnEmoji(string value, int size, string expected)
    {
        Assert.Equal(expected, Apply("generalize", new() { ["to"] = "prefix", ["size"] = size.ToString() }, value));
    }

    [Theory]
    [InlineData("call " + Grinning + ThumbsUpMediumSkin + Flag + EAcute, 0, 4, "*****" + Grinning + ThumbsUpMediumSkin + Flag + EAcute)]
    [InlineData(Grinning + "abcdefgh", 1, 0, Grinning + "********")]
    [InlineData(Family + Family + Family + Family, 1, 1, Family + "**" + Family)]
    [InlineData(Flag + Flag, 0, 4, "*" + Flag)]
    [InlineData(EAcute + EAcute + EAcute + EAcute, 1, 1, EAcute + "**" + EAcute)]
    [InlineData("ab\r\ncd", 0, 4, "***cd")]
    public void Partial_KeepsAndHidesWholeTextElements_OneStarEach(string value, int first, int last, string expected)
    {
        var parameters = new Dictionary<string, string> { ["keep_first"] = first.ToString(), ["keep_last"] = last.ToString() };

        Assert.Equal(expected, Apply("partial", parameters, value));
    }

    /// <summary>Every keep count on every mix of clusters: no lone surrogate, and every kept piece is a whole element of the input.</summary>
    [Fact]
    public void Partial_AnyKeepCounts_NeverEmitsALoneSurrogateOrAPieceOfAnElement()
    {
        string[] pieces = [Grinning, ThumbsUpMediumSkin, Family, Flag, EAcute, KeycapOne, "a", "\u00E9", "\u4E2D"];
        var values = pieces.SelectMany(a => pieces.SelectMany(b => pieces.Select(c => a + b + c + a + b))).ToList();
        foreach (var value in values)
        {
            var elements = Elements(value);
            for (var first = 0; first <= 5; first++)
            {
                for (var last = 0; last <= 5; last++)
                {
                    if (first == 0 && last == 0)
                    {
                        continue;
                    }
                    var masked = Apply("partial", new() { ["keep_first"] = first.ToString(), ["keep_last"] = last.ToString() }, value);

                    Assert.DoesNotContain(masked.EnumerateRunes(), rune => rune == System.Text.Rune.ReplacementChar);
                    var kept = Elements(masked);
                    Assert.Equal(elements.Count, kept.Count);
                    Assert.All(kept.Zip(elements), pair => Assert.True(pair.First == "*" || pair.First == pair.Second, $"{pair.First} in {masked}"));
                }
            }
        }
    }

    /// <summary>The ASCII shortcut finds exactly the elements the Unicode tables find.</summary>
    [Theory]
    [InlineData("plain ascii, CR LF\r\nand CR\rLF\n")]
    [InlineData("a" + EAcute + "b" + KeycapOne + "#\uFE0F\u20E3" + Flag + "x" + Family + "y\u200D" + Grinning + "z")]
    [InlineData("\u0600123 \u1100\u1161\u11A8 \u0915\u094D\u0937")]
    public void TextElementWalk_MatchesStringInfo(string text)
    {
        var walked = new List<string>();
        for (var at = 0; at < text.Length;)
        {
            var length = TextElements.NextLength(text.AsSpan(at));
            walked.Add(text.Substring(at, length));
            at += length;
        }

        Assert.Equal(Elements(text), walked);
    }

    [Theory]
    [InlineData(Grinning + "jane@example.com", Grinning + "***@example.com")]
    [InlineData(EAcute + "mile@example.org", EAcute + "***@example.org")]
    [InlineData(Family + "@example.org", Family + "***@example.org")]
    public void Email_KeepsTheFirstTextElement(string value, string expected)
    {
        Assert.Equal(expected, Apply("email", [], value));
    }

    [Theory]
    [InlineData("year", "1960-05-08 " + Grinning, "1960")]
    [InlineData("year", "1960\u0301-05-08", "[REDACTED]")]
    [InlineData("month", "1960-05\u0301-08", "[REDACTED]")]
    [InlineData("month", "1960-" + Grinning, "[REDACTED]")]
    public void GeneralizeDate_NeverCutsAMarkFromItsDigit(string to, string value, string expected)
    {
        Assert.Equal(expected, Apply("generalize", new() { ["to"] = to }, value));
    }

    [Theory]
    [InlineData("mail ada@example.org\u0301 now", "mail [EMAIL] now")]
    [InlineData("card 4111 1111 1111 111" + KeycapOne + " ok", "card [CARD] ok")]
    [InlineData(Grinning + " ada@example.org " + Family, Grinning + " [EMAIL] " + Family)]
    public void Detect_ReplacesWholeTextElements(string text, string expected)
    {
        Assert.Equal(expected, Apply("detect", [], text));
    }

    [Fact]
    public void EveryActionName_IsUnique()
    {
        Assert.Equal(MaskingActions.ByName.Count, MaskingActions.ByName.Values.Select(a => a.Name).Distinct().Count());
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("quote\"", "\"quote\\\"\"")]
    [InlineData("é", "\"é\"")]
    [InlineData("bell\u0007", "\"bell\\u0007\"")]
    [InlineData("del\u007f", "\"del\\u007F\"")]
    public void MaskedValueWriter_WritesPlainAsciiAsIs_AndEscapesTheRestAsAJsonWriterWould(string value, string expected)
    {
        var direct = new System.Buffers.ArrayBufferWriter<byte>();
        new MaskedValueWriter(direct).WriteString(Encoding.UTF8.GetBytes(value));
        var fromChars = new System.Buffers.ArrayBufferWriter<byte>();
        new MaskedValueWriter(fromChars).WriteString(value.AsSpan());

        Assert.Equal(expected, Encoding.UTF8.GetString(direct.WrittenSpan));
        Assert.Equal(expected, Encoding.UTF8.GetString(fromChars.WrittenSpan));
    }

    [Fact]
    public void MaskedValueWriter_NeverWritesInvalidUtf8()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();

        new MaskedValueWriter(output).WriteString([0x61, 0xFF]);

        Assert.True(System.Text.Unicode.Utf8.IsValid(output.WrittenSpan));
        Assert.Equal("a\uFFFD", JsonSerializer.Deserialize<string>(output.WrittenSpan));
    }

    private static List<string> Elements(string text)
    {
        var elements = new List<string>();
        var enumerator = System.Globalization.StringInfo.GetTextElementEnumerator(text);
        while (enumerator.MoveNext())
        {
            elements.Add(enumerator.GetTextElement());
        }
        return elements;
    }

    private static string Apply(string action, Dictionary<string, string> parameters, string value, ActionContext? context = null) =>
        JsonSerializer.Deserialize<string>(ApplyRaw(action, parameters, new JsonScalar(JsonScalarKind.String, Encoding.UTF8.GetBytes(value)), context))!;

    private static string ApplyRaw(string action, Dictionary<string, string> parameters, JsonScalar value, ActionContext? context = null)
    {
        var errors = new List<string>();
        var mask = MaskingActions.ByName[action].Create(parameters, context ?? Context, errors.Add);
        Assert.Empty(errors);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        mask.Write(new MaskedValueWriter(buffer), value);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
