namespace Gateway.Masking.Actions;

internal sealed class AllowAction : IMaskingAction
{
    public string Name => "allow";

    public IReadOnlySet<string> Parameters { get; } = new HashSet<string>();

    public ValueMask Create(IReadOnlyDictionary<string, string> parameters, ActionContext context, Action<string> error) => Mask.Instance;

    private sealed class Mask() : ValueMask(copies: true)
    {
        public static readonly Mask Instance = new();

        public override void Write(MaskedValueWriter writer, JsonScalar value) => throw new InvalidOperationException("allow copies values; it never rewrites them.");
    }
}

/// <summary>Type-aware placeholder: strings become <c>"[REDACTED]"</c>, numbers and booleans <c>null</c>.</summary>
internal sealed class RedactAction : IMaskingAction
{
    public const string Placeholder = "[REDACTED]";

    public string Name => "redact";

    public IReadOnlySet<string> Parameters { get; } = new HashSet<string>();

    public ValueMask Create(IReadOnlyDictionary<string, string> parameters, ActionContext context, Action<string> error) => Mask.Instance;

    public static void WriteRedacted(MaskedValueWriter writer, JsonScalar value)
    {
        if (value.Kind == JsonScalarKind.String)
        {
            writer.WriteString(Placeholder);
        }
        else
        {
            writer.WriteNull();
        }
    }

    private sealed class Mask : ValueMask
    {
        public static readonly Mask Instance = new();

        public override void Write(MaskedValueWriter writer, JsonScalar value) => WriteRedacted(writer, value);
    }
}

internal sealed class RemoveAction : IMaskingAction
{
    public string Name => "remove";

    public IReadOnlySet<string> Parameters { get; } = new HashSet<string>();

    public ValueMask Create(IReadOnlyDictionary<string, string> parameters, ActionContext context, Action<string> error) => Mask.Instance;

    private sealed class Mask() : ValueMask(removes: true)
    {
        public static readonly Mask Instance = new();

        public override void Write(MaskedValueWriter writer, JsonScalar value) => throw new InvalidOperationException("remove writes nothing.");
    }
}
