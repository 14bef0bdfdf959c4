using Gateway.Audit;
using Gateway.Masking;
using Gateway.Purpose;
using Gateway.Telemetry;

namespace Gateway.Consent;

/// <summary>
/// One response's consent decisions: keys the subject ids as the masker reads them; for each
/// batch of records the masker holds, asks the store once for the subjects the records' own
/// fields do not already settle, and turns each answer into a verdict by the purpose's basis and
/// its action for records without one.
/// </summary>
internal sealed class ConsentGate(
    RequestPurpose purpose,
    ConsentLookup lookup,
    ConsentSubjectKey subjectKey,
    ConsentOptions options,
    GatewayMetrics metrics,
    TimeProvider time,
    int maxListed) : IRecordGate
{
    // Batches are decided one after another, so one set, answer table and tally serve them all:
    // a 10 MB list is dozens of batches, and fresh ones for each were garbage.
    private readonly HashSet<SubjectHash> _ask = [];
    private readonly Dictionary<SubjectHash, ConsentRecord?> _answers = [];
    private readonly DecisionTally _counted = new();

    public ConsentReport Report { get; } = new(purpose.Name, purpose.Basis.Name(), maxListed);

    public string Purpose => purpose.Name;

    public int BatchBytes => options.BatchBytes;

    public int BatchRecords => options.BatchRecords;

    public SubjectHash Key(ReadOnlySpan<byte> subjectIdUtf8) => subjectKey.Hash(subjectIdUtf8);

    public async ValueTask<RecordVerdict[]> DecideAsync(IReadOnlyList<RecordFacts> records, CancellationToken cancellationToken)
    {
        _ask.Clear();
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i].Subject is { } subject && records[i].Signal != ConsentSignal.Withdrawn)
            {
                _ask.Add(subject);
            }
        }
        _answers.Clear();
        _answers.EnsureCapacity(_ask.Count);
        var answered = _ask.Count == 0 || await lookup.GetAsync(_ask, purpose.Name, _answers, cancellationToken);
        if (!answered)
        {
            Report.StoreUnavailable = true;
        }
        var now = time.GetUtcNow();
        var verdicts = new RecordVerdict[records.Count];
        // Metrics are counted per batch: a 10 000-record list is a handful of kinds, not 10 000 calls.
        _counted.Clear();
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (record.Subject is null && !record.Classified)
            {
                // A record with neither a subject nor classified data (say, a summary row) is nobody's data.
                continue;
            }
            // Classified data whose subject is unknown cannot be shown to have a basis.
            var (lawful, reason) = record.Subject is { } subject
                ? ConsentPolicy.Evaluate(purpose.Basis, record.Signal, _answers.GetValueOrDefault(subject), !answered && _ask.Contains(subject), now)
                : (false, "no_subject");
            verdicts[i] = lawful ? RecordVerdict.Keep : purpose.MaskWithoutBasis ? RecordVerdict.Mask : RecordVerdict.Remove;
            var decision = verdicts[i] switch
            {
                RecordVerdict.Keep => ConsentReport.Allowed,
                RecordVerdict.Mask => "masked",
                _ => record.Single ? "refused" : "removed",
            };
            Report.Add(record.Subject, decision, reason);
            _counted.Add(decision, reason);
        }
        var kinds = _counted.Kinds;
        for (var i = 0; i < kinds.Count; i++)
        {
            metrics.ConsentDecided(purpose.Name, kinds[i].Decision, kinds[i].Reason, kinds[i].Count);
        }
        return verdicts;
    }
}
