namespace Gateway.Masking.Actions;

/// <summary>A masking action, looked up by its unique name in the rules (<c>redact</c>, <c>partial</c>, ...).</summary>
internal interface IMaskingAction
{
    string Name { get; }

    /// <summary>The parameters it takes, e.g. <c>keep_last</c>; any other is an error in the rules.</summary>
    IReadOnlySet<string> Parameters { get; }

    /// <summary>Builds the mask for one grant; reports bad parameters through <paramref name="error"/>.</summary>
    ValueMask Create(IReadOnlyDictionary<string, string> parameters, ActionContext context, Action<string> error);
}

/// <summary>What an action may need besides its parameters: the class's detectors, the pseudonymisation key.</summary>
internal sealed record ActionContext(IReadOnlyList<string> Detectors, byte[]? HashKey);

/// <summary>One configured way of rewriting a JSON value.</summary>
/// <param name="removes">The property (or array element) disappears.</param>
/// <param name="copies">The value is copied as it is.</param>
internal abstract class ValueMask(bool removes = false, bool copies = false)
{
    /// <summary>The property (or array element) disappears. A field, not a virtual call: it is asked for every masked value.</summary>
    public bool Removes { get; } = removes;

    /// <summary>The value is copied as it is (no rewriting, so no allocation).</summary>
    public bool Copies { get; } = copies;

    public abstract void Write(MaskedValueWriter writer, JsonScalar value);
}

internal enum JsonScalarKind
{
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>
/// A primitive JSON value as the masker holds it: its kind and its UTF-8 bytes (unescaped for
/// strings, as written for numbers). A ref struct over the reader's buffer, so masking a value
/// copies nothing unless the mask needs to.
/// </summary>
internal readonly ref struct JsonScalar(JsonScalarKind kind, ReadOnlySpan<byte> utf8)
{
    public JsonScalarKind Kind { get; } = kind;

    public ReadOnlySpan<byte> Utf8 { get; } = utf8;

    public string ToText() => System.Text.Encoding.UTF8.GetString(Utf8);
}
