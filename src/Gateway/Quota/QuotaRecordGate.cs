using Gateway.Consent;
using Gateway.Masking;

namespace Gateway.Quota;

/// <summary>
/// The records of a response whose caller has a records or clear-value budget: the consent gate, if
/// the purpose has one, decides first; then the request's quota holds back what exceeds the budget.
/// Without a consent gate no decision waits on anything: a batch is decided as soon as it is held.
/// </summary>
internal sealed class QuotaRecordGate(RequestQuota quota, IRecordGate? consent, ConsentSubjectKey subjects) : IRecordGate
{
    /// <summary>Held output per decision without a consent gate: small, as deciding costs no round trip.</summary>
    private const int OwnBatchBytes = 32 * 1024;

    private const int OwnBatchRecords = 500;

    /// <summary>Without a consent gate no purpose's consent fields are read (no purpose is named "").</summary>
    public string Purpose => consent?.Purpose ?? "";

    public int BatchBytes => consent?.BatchBytes ?? OwnBatchBytes;

    public int BatchRecords => consent?.BatchRecords ?? OwnBatchRecords;

    /// <summary>The same keyed hash the consent gate and the audit event use.</summary>
    public SubjectHash Key(ReadOnlySpan<byte> subjectIdUtf8) => consent is null ? subjects.Hash(subjectIdUtf8) : consent.Key(subjectIdUtf8);

    public ValueTask<RecordVerdict[]> DecideAsync(IReadOnlyList<RecordFacts> records, CancellationToken cancellationToken)
    {
        if (consent is null)
        {
            // Every verdict starts as Keep (the enum's zero).
            var verdicts = new RecordVerdict[records.Count];
            quota.Decide(records, verdicts);
            return ValueTask.FromResult(verdicts);
        }
        return DecideAfterConsentAsync(records, cancellationToken);
    }

    private async ValueTask<RecordVerdict[]> DecideAfterConsentAsync(IReadOnlyList<RecordFacts> records, CancellationToken cancellationToken)
    {
        var verdicts = await consent!.DecideAsync(records, cancellationToken);
        quota.Decide(records, verdicts);
        return verdicts;
    }
}
