namespace Gateway.Masking;

/// <summary>What the masker did to one body, for the audit event: never a masked value.</summary>
public sealed record MaskingReport(
    string RulesVersion,
    string Entity,
    int Records,
    SubjectIdList SubjectIds,
    IReadOnlyDictionary<string, int> MaskedByClassAndAction)
{
    /// <summary>
    /// Values of high-sensitivity classes the caller's role gets as they are (in clear), counted as
    /// masked: before a record gate's verdicts, like <see cref="Records"/>.
    /// </summary>
    public int ClearHighValues { get; init; }
}
