namespace Gateway.Masking;

/// <summary>What the masker did to one body, for the audit event: never a masked value.</summary>
public sealed record MaskingReport(
    string RulesVersion,
    string Entity,
    int Records,
    SubjectIdList SubjectIds,
    IReadOnlyDictionary<string, int> MaskedByClassAndAction);
