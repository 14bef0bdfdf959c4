using Gateway.Consent;
using Gateway.Masking;
using Gateway.Purpose;

namespace Gateway.Tests.Consent;

public sealed class ConsentPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, ConsentSignal, string?, bool, bool, string> Cases => new()
    {
        { "consent", ConsentSignal.None, "granted", false, true, "granted" },
        { "consent", ConsentSignal.None, null, false, false, "no_consent" },
        { "consent", ConsentSignal.None, "withdrawn", false, false, "withdrawn" },
        { "consent", ConsentSignal.None, "expired", false, false, "expired" },
        { "consent", ConsentSignal.Withdrawn, "granted", false, false, "withdrawn_in_crm" },
        { "consent", ConsentSignal.Granted, null, false, true, "granted_in_crm" },
        { "consent", ConsentSignal.Granted, "withdrawn", false, false, "withdrawn" },
        { "consent", ConsentSignal.Granted, null, true, false, "store_unavailable" },
        { "consent", ConsentSignal.None, null, true, false, "store_unavailable" },
        { "legitimate_interest", ConsentSignal.None, null, false, true, "legitimate_interest" },
        { "legitimate_interest", ConsentSignal.None, "withdrawn", false, false, "objected" },
        { "legitimate_interest", ConsentSignal.Withdrawn, null, false, false, "objected_in_crm" },
        { "legitimate_interest", ConsentSignal.None, null, true, false, "store_unavailable" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_refusal_anywhere_wins_and_consent_needs_an_unexpired_grant(string basis, ConsentSignal crm, string? stored, bool unavailable, bool lawful, string reason)
    {
        var record = stored switch
        {
            "granted" => new ConsentRecord(ConsentRecord.Granted, Now.AddDays(-1), "test", Now.AddDays(1)),
            "expired" => new ConsentRecord(ConsentRecord.Granted, Now.AddDays(-10), "test", Now.AddSeconds(-1)),
            "withdrawn" => new ConsentRecord(ConsentRecord.Withdrawn, Now.AddDays(-1), "test"),
            _ => null,
        };

        Assert.Equal((lawful, reason), ConsentPolicy.Evaluate(LegalBases.ByName[basis], crm, record, unavailable, Now));
    }

    [Theory]
    [InlineData("""{"status":"granted","at":"2026-01-01T00:00:00Z","source":"x"}""", true)]
    [InlineData("""{"status":"perhaps","at":"2026-01-01T00:00:00Z","source":"x"}""", false)]
    [InlineData("""not json""", false)]
    [InlineData("""{"status":"granted"}""", false)]
    public void A_stored_value_that_is_not_a_valid_record_counts_as_no_record(string json, bool valid) =>
        Assert.Equal(valid, ConsentRecord.Parse(System.Text.Encoding.UTF8.GetBytes(json)) is not null);
}
