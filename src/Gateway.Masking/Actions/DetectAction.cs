namespace Gateway.Masking.Actions;

/// <summary>Free text keeps its words; only the spans the class's detectors find are replaced (<c>[EMAIL]</c>, <c>[CARD]</c>, ...).</summary>
internal sealed class DetectAction : IMaskingAction
{
    public string Name => "detect";

    public IReadOnlySet<string> Parameters { get; } = new HashSet<string>();

    public ValueMask Create(IReadOnlyDictionary<string, string> parameters, ActionContext context, Action<string> error)
    {
        if (context.Detectors.Count == 0)
        {
            error("detect needs the class to list detectors (detect: [email, phone, card, ssn, iban]).");
        }
        return new Mask(context.Detectors);
    }

    private sealed class Mask(IReadOnlyList<string> detectors) : ValueMask
    {
        public override void Write(MaskedValueWriter writer, JsonScalar value)
        {
            if (value.Kind != JsonScalarKind.String)
            {
                RedactAction.WriteRedacted(writer, value);
                return;
            }
            using var text = new CharBuffer(value.Utf8);
            using var scrubbed = new CharBuffer(PiiDetectors.MaxScrubbedLength(text.Chars.Length));
            try
            {
                var written = PiiDetectors.Scrub(text.Chars, detectors, scrubbed.Chars);
                if (written < 0)
                {
                    writer.WriteString(value.Utf8);
                }
                else
                {
                    writer.WriteString(scrubbed.Chars[..written]);
                }
            }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                // A text the detectors cannot finish with is not let through half-checked.
                writer.WriteString(RedactAction.Placeholder);
            }
        }
    }
}
