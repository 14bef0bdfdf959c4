using Gateway.Masking;
using Gateway.Purpose;

namespace Gateway.Consent;

/// <summary>
/// Whether a record has a lawful basis for a purpose, from the two sources of the subject's word:
/// the consent store and the record's own consent fields. A refusal in either wins; consent needs
/// an unexpired grant in one of them; legitimate interest holds unless the subject objected. When
/// the store cannot be asked, nothing that depends on it is assumed.
/// </summary>
internal static class ConsentPolicy
{
    public static (bool Lawful, string Reason) Evaluate(LegalBasis basis, ConsentSignal record, ConsentRecord? stored, bool storeUnavailable, DateTimeOffset now)
    {
        var consent = basis == LegalBasis.Consent;
        if (record == ConsentSignal.Withdrawn)
        {
            return (false, consent ? "withdrawn_in_crm" : "objected_in_crm");
        }
        if (storeUnavailable)
        {
            return (false, "store_unavailable");
        }
        if (stored is { Status: ConsentRecord.Withdrawn })
        {
            return (false, consent ? "withdrawn" : "objected");
        }
        if (!consent)
        {
            return (true, "legitimate_interest");
        }
        var expired = stored is { ExpiresAt: { } expiry } && expiry <= now;
        if (stored is { Status: ConsentRecord.Granted } && !expired)
        {
            return (true, "granted");
        }
        if (record == ConsentSignal.Granted)
        {
            return (true, "granted_in_crm");
        }
        return (false, expired ? "expired" : "no_consent");
    }
}
