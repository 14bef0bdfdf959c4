using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Masking.Actions;

/// <summary>
/// Where a mask writes its one value. Most masked values are short printable ASCII (stars, a
/// year, a placeholder, a hex pseudonym), which JSON writes as it is: those go straight to the
/// output. Anything else is written by a <see cref="Utf8JsonWriter"/>, which escapes it and
/// refuses text that is not valid Unicode.
/// </summary>
internal sealed class MaskedValueWriter
{
    /// <summary>Printable ASCII that no JSON encoder escapes (the relaxed encoder escapes quotes, backslashes and control characters).</summary>
    private static readonly SearchValues<byte> PlainBytes = SearchValues.Create([.. Enumerable.Range(0x20, 0x7F - 0x20).Where(c => c is not '"' and not '\\').Select(c => (byte)c)]);
    private static readonly SearchValues<char> PlainChars = SearchValues.Create([.. Enumerable.Range(0x20, 0x7F - 0x20).Where(c => c is not '"' and not '\\').Select(c => (char)c)]);
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private IBufferWriter<byte> _output;
    private Utf8JsonWriter? _json;

    public MaskedValueWriter(IBufferWriter<byte> output)
    {
        _output = output;
    }

    /// <summary>Writes from now on to <paramref name="output"/>.</summary>
    internal void Target(IBufferWriter<byte> output) => _output = output;

    public void WriteString(ReadOnlySpan<byte> utf8)
    {
        if (!TryWritePlainCopy(utf8, out _))
        {
            Json().WriteStringValue(utf8);
            Flush();
        }
    }

    /// <summary>
    /// When <paramref name="utf8"/> is plain ASCII, writes it as a string and returns the written
    /// characters in <paramref name="copy"/>, for the mask to overwrite some of them with other
    /// plain ASCII (valid until the next write). Saves a scratch copy for the commonest masks.
    /// </summary>
    public bool TryWritePlainCopy(ReadOnlySpan<byte> utf8, out Span<byte> copy)
    {
        if (utf8.ContainsAnyExcept(PlainBytes))
        {
            copy = default;
            return false;
        }
        var span = _output.GetSpan(utf8.Length + 2);
        span[0] = (byte)'"';
        utf8.CopyTo(span[1..]);
        span[utf8.Length + 1] = (byte)'"';
        _output.Advance(utf8.Length + 2);
        copy = span.Slice(1, utf8.Length);
        return true;
    }

    public void WriteString(ReadOnlySpan<char> text)
    {
        if (text.ContainsAnyExcept(PlainChars))
        {
            Json().WriteStringValue(text);
            Flush();
            return;
        }
        var span = _output.GetSpan(text.Length + 2);
        span[0] = (byte)'"';
        Ascii.FromUtf16(text, span[1..], out _);
        span[text.Length + 1] = (byte)'"';
        _output.Advance(text.Length + 2);
    }

    public void WriteNull()
    {
        "null"u8.CopyTo(_output.GetSpan(4));
        _output.Advance(4);
    }

    private Utf8JsonWriter Json()
    {
        if (_json is null)
        {
            _json = new Utf8JsonWriter(_output, Options);
        }
        else
        {
            _json.Reset(_output);
        }
        return _json;
    }

    private void Flush() => _json!.Flush();
}
