using System.Globalization;
using System.Security.Cryptography;

namespace Gateway.Masking.Actions;

/// <summary>Keeps the first and/or last N characters: <c>{ action: partial, keep_last: 4 }</c> turns a phone into <c>********1234</c>.</summary>
internal sealed class PartialAction : IMaskingAction
{
    public string Name => "partial";

    public IReadOnlySet<string> Parameters { get; } = new HashSet<string> { "keep_first", "keep_last" };

    public ValueMask Create(IReadOnlyDictionary<string, string> parameters, ActionContext context, Action<string> error)
    {
        var first = Count(parameters, "keep_first", error);
        var last = Count(parameters, "keep_last", error);
        if (first == 0 && last == 0)
        {
            error("partial needs keep_first or keep_last.");
        }
        return new Mask(first, last);
    }

    internal static int Count(IReadOnlyDictionary<string, string> parameters, string name, Action<string> error)
    {
        if (!parameters.TryGetValue(name, out var text))
        {
            return 0;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > 64)
        {
            error($"{name} must be a whole number from 0 to 64.");
        }
        return count;
    }

    private sealed class Mask(int first, int last) : ValueMask
    {
        public override void Write(MaskedValueWriter writer, JsonScalar value)
        {
            if (value.Kind is JsonScalarKind.Null or JsonScalarKind.True or JsonScalarKind.False)
            {
                RedactAction.WriteRedacted(writer, value);
                return;
            }
            if (value.Utf8.IsEmpty)
            {
                writer.WriteString("*"u8);
                return;
            }
            if (writer.TryWritePlainCopy(value.Utf8, out var written))
            {
                // Most values are plain ASCII: one character is one byte, so the stars go straight into the output.
                Hide(written, (byte)'*');
                return;
            }
            using var text = new CharBuffer(value.Utf8);
            if (TextElements.AreChars(text.Chars))
            {
                // ASCII that JSON escapes (quotes, backslashes, control characters): still one character per element.
                Hide(text.Chars, '*');
                writer.WriteString(text.Chars);
                return;
            }
            WriteHidingElements(writer, text.Chars);
        }

        /// <summary>
        /// Keeps and hides whole text elements, one star for each hidden one: a kept emoji, accent or
        /// flag is never cut. One walk over the text counts the elements and remembers the
        /// boundaries after the first <c>keep_first</c> and before the last <c>keep_last</c> of them.
        /// </summary>
        private void WriteHidingElements(MaskedValueWriter writer, ReadOnlySpan<char> chars)
        {
            Span<int> afterFirst = stackalloc int[first + 1];
            Span<int> recent = stackalloc int[last + 1];
            var elements = 0;
            for (var at = 0; at < chars.Length;)
            {
                at += TextElements.NextLength(chars[at..]);
                elements++;
                if (elements <= first)
                {
                    afterFirst[elements] = at;
                }
                recent[elements % recent.Length] = at;
            }
            var (keepFirst, keepLast) = Kept(elements);
            var firstLength = afterFirst[keepFirst];
            var lastStart = recent[(elements - keepLast) % recent.Length];
            var hidden = elements - keepFirst - keepLast;
            using var output = new CharBuffer(firstLength + hidden + chars.Length - lastStart);
            chars[..firstLength].CopyTo(output.Chars);
            output.Chars.Slice(firstLength, hidden).Fill('*');
            chars[lastStart..].CopyTo(output.Chars[(firstLength + hidden)..]);
            writer.WriteString(output.Chars);
        }

        private void Hide<T>(Span<T> value, T star)
        {
            var (keepFirst, keepLast) = Kept(value.Length);
            value[keepFirst..(value.Length - keepLast)].Fill(star);
        }

        /// <summary>How many elements are kept at each end: never more than half of a value, however short it is.</summary>
        private (int First, int Last) Kept(int elements)
        {
            var keepFirst = Math.Min(first, elements / 4);
            return (keepFirst, Math.Min(last, elements / 2 - keepFirst));
        }
    }
}

/// <summary><c>jane.doe@example.com</c> becomes <c>j***@example.com</c>; anything that is not an address is redacted.</summary>
internal sealed class EmailAction : IMaskingAction
{
    public string Name => "email";

    public IReadOnlySet<string> Parameters { get; } = new HashSet<string>();

    public ValueMask Create(IReadOnlyDictionary<string, string> parameters, ActionContext context, Action<string> error) => new Mask();

    private sealed class Mask : ValueMask
    {
        public override void Write(MaskedValueWriter writer, JsonScalar value)
        {
            var at = value.Kind == JsonScalarKind.String ? value.Utf8.LastIndexOf((byte)'@') : -1;
            if (at < 1 || at == value.Utf8.Length - 1)
            {
                RedactAction.WriteRedacted(writer, value);
                return;
            }
            using var text = new CharBuffer(value.Utf8);
            var chars = text.Chars;
            var domain = chars[chars.LastIndexOf('@')..];
            // The first text element, not the first UTF-16 unit: an emoji or an accented letter stays whole.
            var kept = TextElements.AreChars(chars) ? 1 : TextElements.LengthOfFirst(chars, 1);
            if (kept > chars.Length - domain.Length)
            {
                RedactAction.WriteRedacted(writer, value);
                return;
            }
            using var output = new CharBuffer(kept + 3 + domain.Length);
            chars[..kept].CopyTo(output.Chars);
            "***".CopyTo(output.Chars[kept..]);
            domain.CopyTo(output.Chars[(kept + 3)..]);
            writer.WriteString(output.Chars);
        }
    }
}

/// <summary>
/// A keyed pseudonym: HMAC-SHA256 of the value under a secret key, hex, truncated, prefixed.
/// Stable for equal values (joins still work), useless without the key.
/// </summary>
internal sealed class HashAction : IMaskingAction
{
    public string Name => "hash";

    public IReadOnlySet<string> Parameters { get; } = new HashSet<string> { "length", "prefix" };

    public ValueMask Create(IReadOnlyDictionary<string, string> parameters, ActionContext context, Action<string> error)
    {
        if (context.HashKey is null)
        {
            error("hash needs a key: set Gateway:Masking:HashKeyFile.");
        }
        var length = parameters.ContainsKey("length") ? PartialAction.Count(parameters, "length", error) : 16;
        if (length is < 8 or > 64)
        {
            error("length must be from 8 to 64 hex characters.");
        }
        return new Mask(context.HashKey ?? [], Math.Clamp(length, 8, 64), parameters.GetValueOrDefault("prefix", "h:"));
    }

    private sealed class Mask(byte[] key, int length, string prefix) : ValueMask
    {
        public override void Write(MaskedValueWriter writer, JsonScalar value)
        {
            if (value.Kind == JsonScalarKind.Null)
            {
                writer.WriteNull();
                return;
            }
            Span<byte> digest = stackalloc byte[32];
            HMACSHA256.HashData(key, value.Utf8, digest);
            Span<char> hex = stackalloc char[64];
            Convert.TryToHexStringLower(digest, hex, out _);
            using var output = new CharBuffer(prefix.Length + length);
            prefix.CopyTo(output.Chars);
            hex[..length].CopyTo(output.Chars[prefix.Length..]);
            writer.WriteString(output.Chars);
        }
    }
}

/// <summary>Coarser values: a date to its year or month, a number to a bucket, a postcode to a prefix.</summary>
internal sealed class GeneralizeAction : IMaskingAction
{
    public string Name => "generalize";

    public IReadOnlySet<string> Parameters { get; } = new HashSet<string> { "to", "size" };

    public ValueMask Create(IReadOnlyDictionary<string, string> parameters, ActionContext context, Action<string> error)
    {
        var to = parameters.GetValueOrDefault("to", "");
        var size = parameters.ContainsKey("size") ? PartialAction.Count(parameters, "size", error) : 0;
        switch (to)
        {
            case "year" or "month":
                break;
            case "bucket" or "prefix" when size > 0:
                break;
            case "bucket" or "prefix":
                error($"generalize to {to} needs size (a whole number above 0).");
                break;
            default:
                error("generalize needs to: year, month, bucket or prefix.");
                break;
        }
        return new Mask(to, Math.Max(size, 1));
    }

    private sealed class Mask(string to, int size) : ValueMask
    {
        public override void Write(MaskedValueWriter writer, JsonScalar value)
        {
            var utf8 = value.Utf8;
            var isString = value.Kind == JsonScalarKind.String;
            switch (to)
            {
                case "year" when isString && utf8.Length >= 4 && IsDigits(utf8[..4]) && TextElements.EndsElementAfter(utf8, 4):
                    writer.WriteString(utf8[..4]);
                    return;
                case "month" when isString && utf8.Length >= 7 && IsDigits(utf8[..4]) && utf8[4] == '-' && IsDigits(utf8[5..7]) && TextElements.EndsElementAfter(utf8, 7):
                    writer.WriteString(utf8[..7]);
                    return;
                case "bucket" when value.Kind == JsonScalarKind.Number && double.TryParse(utf8, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number):
                    var low = Math.Floor(number / size) * size;
                    Span<char> bucket = stackalloc char[64];
                    if (bucket.TryWrite(CultureInfo.InvariantCulture, $"{low}-{low + size - 1}", out var written))
                    {
                        writer.WriteString(bucket[..written]);
                        return;
                    }
                    break;
                case "prefix" when isString && TextElements.AreBytes(utf8):
                    if (utf8.Length > size)
                    {
                        writer.WriteString(utf8[..size]);
                        return;
                    }
                    break;
                case "prefix" when isString:
                    using (var text = new CharBuffer(utf8))
                    {
                        // The first size text elements: "1 😀 Emoji St" to 3 is "1 😀", never half of the emoji.
                        var length = TextElements.LengthOfFirst(text.Chars, size);
                        if (length < text.Chars.Length)
                        {
                            writer.WriteString(text.Chars[..length]);
                            return;
                        }
                    }
                    break;
            }
            RedactAction.WriteRedacted(writer, value);
        }

        private static bool IsDigits(ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes)
            {
                if (b is < (byte)'0' or > (byte)'9')
                {
                    return false;
                }
            }
            return true;
        }
    }
}
