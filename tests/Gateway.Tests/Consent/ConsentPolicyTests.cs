using Gateway.Audit;
using Gateway.Consent;
using Gateway.Masking;
using Gateway.Purpose;

namespace Gateway.Tests.Consent;

public sealed class ConsentPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<LegalBasis, ConsentSignal, string?, bool, bool, string> Cases => new()
    {
        { LegalBasis.Consent, ConsentSignal.None, "granted", false, true, "granted" },
        { LegalBasis.Consent, ConsentSignal.None, null, false, false, "no_consent" },
        { LegalBasis.Consent, ConsentSignal.None, "withdrawn", false, false, "withdrawn" },
        { LegalBasis.Consent, ConsentSignal.None, "expired", false, false, "expired" },
        { LegalBasis.Consent, ConsentSignal.Withdrawn, "granted", false, false, "withdrawn_in_crm" },
        { LegalBasis.Consent, ConsentSignal.Granted, null, false, true, "granted_in_crm" },
        { LegalBasis.Consent, ConsentSignal.Granted, "withdrawn", false, false, "withdrawn" },
        { LegalBasis.Consent, ConsentSignal.Granted, null, true, false, "store_unavailable" },
        { LegalBasis.Consent, ConsentSignal.None, null, true, false, "store_unavailable" },
        { LegalBasis.LegitimateInterest, ConsentSignal.None, null, false, true, "legitimate_interest" },
        { LegalBasis.LegitimateInterest, ConsentSignal.None, "withdrawn", false, false, "objected" },
        { LegalBasis.LegitimateInterest, ConsentSignal.Withdrawn, null, false, false, "objected_in_crm" },
        { LegalBasis.LegitimateInterest, ConsentSignal.None, null, true, false, "store_unavailable" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_refusal_anywhere_wins_and_consent_needs_an_unexpired_grant(LegalBasis basis, ConsentSignal crm, string? stored, bool unavailable, bool lawful, string reason)
    {
        var record = stored switch
        {
            "granted" => new ConsentRecord(ConsentRecord.Granted, Now.AddDays(-1), "test", Now.AddDays(1)),
            "expired" => new ConsentRecord(ConsentRecord.Granted, Now.AddDays(-10), "test", Now.AddSeconds(-1)),
            "withdrawn" => new ConsentRecord(ConsentRecord.Withdrawn, Now.AddDays(-1), "test"),
            _ => null,
        };

        Assert.Equal((lawful, reason), ConsentPolicy.Evaluate(basis, crm, record, unavailable, Now));
    }

    [Theory]
    [InlineData("""{"status":"granted","at":"2026-01-01T00:00:00Z","source":"x"}""", true)]
    [InlineData("""{"status":"perhaps","at":"2026-01-01T00:00:00Z","source":"x"}""", false)]
    [InlineData("""not json""", false)]
    [InlineData("""{"status":"granted"}""", false)]
    public void A_stored_value_that_is_not_a_valid_record_counts_as_no_record(string json, bool valid) =>
        Assert.Equal(valid, ConsentRecord.Parse(System.Text.Encoding.UTF8.GetBytes(json)) is not null);
}
