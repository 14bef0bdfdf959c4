namespace Gateway.Masking;

/// <summary>What the masker did to one body, for the audit event: never a masked value.</summary>
public sealed record MaskingReport(
    string RulesVersion,
    string Entity,
    int Records,
    SubjectIdList SubjectIds,
    IReadOnlyDictionary<string, int> MaskedByClassAndAction)
{
    private static readonly IReadOnlyDictionary<string, int> None = new Dictionary<string, int>();

    /// <summary>
    /// Values of high-sensitivity classes (<c>sensitivity: high</c>) that left in clear, per class:
    /// what the caller's role was allowed to see, and what quotas and the anomaly detector watch.
    /// </summary>
    public IReadOnlyDictionary<string, int> ClearHighSensitivity { get; init; } = None;

    /// <summary>
    /// All values of high-sensitivity classes left in clear, counted as masked: before a record
    /// gate's verdicts, like <see cref="Records"/> (what quotas count).
    /// </summary>
    public int ClearHighValues => ClearHighSensitivity.Values.Sum();
}
