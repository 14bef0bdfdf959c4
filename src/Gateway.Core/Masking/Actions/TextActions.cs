using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gateway.Core.Masking.Actions;

/// <summary>Keeps the first and/or last N characters: <c>{ action: partial, keep_last: 4 }</c> turns a phone into <c>********1234</c>.</summary>
public sealed class PartialAction : IMaskingAction
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
        public override void Write(Utf8JsonWriter writer, JsonScalar value)
        {
            if (value.Kind is JsonScalarKind.Null or JsonScalarKind.True or JsonScalarKind.False)
            {
                RedactAction.WriteRedacted(writer, value);
                return;
            }
            var text = value.Text;
            // Never reveal more than half of a value, however short it is.
            var keepFirst = Math.Min(first, text.Length / 4);
            var keepLast = Math.Min(last, text.Length / 2 - keepFirst);
            if (keepFirst + keepLast == 0)
            {
                writer.WriteStringValue(new string('*', Math.Max(text.Length, 1)));
                return;
            }
            writer.WriteStringValue(string.Concat(text.AsSpan(0, keepFirst), new string('*', text.Length - keepFirst - keepLast), text.AsSpan(text.Length - keepLast)));
        }
    }
}

/// <summary><c>jane.doe@example.com</c> becomes <c>j***@example.com</c>; anything that is not an address is redacted.</summary>
public sealed class EmailAction : IMaskingAction
{
    public string Name => "email";

    public IReadOnlySet<string> Parameters { get; } = new HashSet<string>();

    public ValueMask Create(IReadOnlyDictionary<string, string> parameters, ActionContext context, Action<string> error) => new Mask();

    private sealed class Mask : ValueMask
    {
        public override void Write(Utf8JsonWriter writer, JsonScalar value)
        {
            var at = value.Kind == JsonScalarKind.String ? value.Text.LastIndexOf('@') : -1;
            if (at < 1 || at == value.Text.Length - 1)
            {
                RedactAction.WriteRedacted(writer, value);
                return;
            }
            writer.WriteStringValue(string.Concat(value.Text.AsSpan(0, 1), "***", value.Text.AsSpan(at)));
        }
    }
}

/// <summary>
/// A keyed pseudonym: HMAC-SHA256 of the value under a secret key, hex, truncated, prefixed.
/// Stable for equal values (joins still work), useless without the key.
/// </summary>
public sealed class HashAction : IMaskingAction
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
        public override void Write(Utf8JsonWriter writer, JsonScalar value)
        {
            if (value.Kind == JsonScalarKind.Null)
            {
                writer.WriteNullValue();
                return;
            }
            Span<byte> digest = stackalloc byte[32];
            HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(value.Text), digest);
            writer.WriteStringValue(prefix + Convert.ToHexStringLower(digest)[..length]);
        }
    }
}

/// <summary>Coarser values: a date to its year or month, a number to a bucket, a postcode to a prefix.</summary>
public sealed class GeneralizeAction : IMaskingAction
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
        public override void Write(Utf8JsonWriter writer, JsonScalar value)
        {
            var text = value.Text;
            switch (to)
            {
                case "year" when value.Kind == JsonScalarKind.String && text.Length >= 4 && text[..4].All(char.IsAsciiDigit):
                    writer.WriteStringValue(text[..4]);
                    return;
                case "month" when value.Kind == JsonScalarKind.String && text.Length >= 7 && text[..4].All(char.IsAsciiDigit) && text[4] == '-':
                    writer.WriteStringValue(text[..7]);
                    return;
                case "bucket" when value.Kind == JsonScalarKind.Number && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number):
                    var low = Math.Floor(number / size) * size;
                    writer.WriteStringValue(string.Create(CultureInfo.InvariantCulture, $"{low}-{low + size - 1}"));
                    return;
                case "prefix" when value.Kind == JsonScalarKind.String && text.Length > size:
                    writer.WriteStringValue(text[..size]);
                    return;
                default:
                    RedactAction.WriteRedacted(writer, value);
                    return;
            }
        }
    }
}
