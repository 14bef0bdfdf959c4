namespace Gateway.Purpose;

/// <summary>The GDPR Art. 6 bases the gateway distinguishes: only consent and legitimate interest depend on the subject's word.</summary>
internal enum LegalBasis
{
    Consent,
    Contract,
    LegalObligation,
    LegitimateInterest,
}

internal static class LegalBases
{
    public static readonly IReadOnlyDictionary<string, LegalBasis> ByName = new Dictionary<string, LegalBasis>(StringComparer.Ordinal)
    {
        ["consent"] = LegalBasis.Consent,
        ["contract"] = LegalBasis.Contract,
        ["legal_obligation"] = LegalBasis.LegalObligation,
        ["legitimate_interest"] = LegalBasis.LegitimateInterest,
    };

    private static readonly IReadOnlyDictionary<LegalBasis, string> Names = ByName.ToDictionary(pair => pair.Value, pair => pair.Key);

    public static string Name(this LegalBasis basis) => Names[basis];

    /// <summary>Consent needs a grant; legitimate interest yields to an objection (GDPR Art. 21), so both ask the consent store.</summary>
    public static bool DependsOnSubject(this LegalBasis basis) => basis is LegalBasis.Consent or LegalBasis.LegitimateInterest;
}
