using System.Globalization;
using System.Text;

namespace Gateway.Masking.Actions;

/// <summary>
/// Text elements (extended grapheme clusters, Unicode UAX #29): what a reader takes for one
/// character, such as <c>é</c> written as <c>e</c> and a combining accent, a flag (two regional
/// indicators), or a family emoji (several emoji joined by ZWJ). Actions that keep, cut or count
/// characters work on these, so they never split a surrogate pair or separate a mark from its
/// letter. <see cref="StringInfo"/> segments from the runtime's own Unicode data, so this holds
/// with InvariantGlobalization too. ASCII other than CR is one element per character (CR LF is
/// the only cluster of two), which is the fast path for most values.
/// </summary>
internal static class TextElements
{
    /// <summary>Whether every character is a text element of its own: ASCII without CR.</summary>
    public static bool AreChars(ReadOnlySpan<char> text) => Ascii.IsValid(text) && !text.Contains('\r');

    /// <summary>Whether every byte is a text element of its own: ASCII without CR.</summary>
    public static bool AreBytes(ReadOnlySpan<byte> utf8) => Ascii.IsValid(utf8) && !utf8.Contains((byte)'\r');

    /// <summary>
    /// The length of the text element <paramref name="text"/> starts with (it must start at an
    /// element boundary). An ASCII character other than CR followed by another ASCII character is
    /// an element of its own (nothing ASCII extends or joins), which spares the Unicode tables for
    /// the ASCII runs of mostly-ASCII text.
    /// </summary>
    public static int NextLength(ReadOnlySpan<char> text) =>
        text.Length > 1 && char.IsAscii(text[0]) && text[0] != '\r' && char.IsAscii(text[1])
            ? 1
            : StringInfo.GetNextTextElementLength(text);

    /// <summary>How many characters the first <paramref name="count"/> text elements take (all of the text when it has fewer).</summary>
    public static int LengthOfFirst(ReadOnlySpan<char> text, int count)
    {
        var at = 0;
        for (var element = 0; element < count && at < text.Length; element++)
        {
            at += NextLength(text[at..]);
        }
        return at;
    }

    /// <summary>
    /// Whether the first <paramref name="asciiLength"/> bytes of <paramref name="utf8"/>, which are
    /// ASCII, end a text element: a cut there keeps no letter apart from a mark that follows it.
    /// </summary>
    public static bool EndsElementAfter(ReadOnlySpan<byte> utf8, int asciiLength)
    {
        if (utf8.Length == asciiLength || (utf8[asciiLength] < 0x80 && utf8[asciiLength] != '\n'))
        {
            return true;
        }
        using var text = new CharBuffer(utf8);
        // Each element is at least one character, so n elements in n characters are one character each.
        return LengthOfFirst(text.Chars, asciiLength) == asciiLength;
    }

    /// <summary>
    /// Widens <paramref name="start"/> and <paramref name="end"/> to the boundaries of the text
    /// elements they fall in. <paramref name="elementStart"/> is a boundary at or before
    /// <paramref name="start"/>, moved forward as the walk goes, so widening spans in order of
    /// their start walks the text once.
    /// </summary>
    public static void Widen(ReadOnlySpan<char> text, ref int elementStart, ref int start, ref int end)
    {
        while (true)
        {
            var length = NextLength(text[elementStart..]);
            if (elementStart + length > start)
            {
                break;
            }
            elementStart += length;
        }
        start = elementStart;
        var boundary = elementStart;
        while (boundary < end)
        {
            boundary += NextLength(text[boundary..]);
        }
        end = boundary;
    }
}
