using Gateway.Core.Masking;
using Gateway.Core.Purpose;
using Gateway.Core.Telemetry;

namespace Gateway.Core.Consent;

/// <summary>
/// One response's consent decisions: for each batch of records the masker holds, hashes the
/// subjects, asks the store once for those the records' own fields do not already settle, and
/// turns each answer into a verdict by the purpose's basis and its action for records without one.
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
    /// <summary>The subjects a batch asks the store about; batches are decided one after another, so one set serves them all.</summary>
    private readonly HashSet<string> _ask = new(StringComparer.Ordinal);

    public ConsentReport Report { get; } = new(purpose.Name, purpose.Basis.Name(), maxListed);

    public string Purpose => purpose.Name;

    public int BatchBytes => options.BatchBytes;

    public int BatchRecords => options.BatchRecords;

    public async ValueTask<RecordVerdict[]> DecideAsync(IReadOnlyList<RecordFacts> records, CancellationToken cancellationToken)
    {
        var subjects = new string?[records.Count];
        _ask.Clear();
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i].SubjectId is { } id)
            {
                subjects[i] = subjectKey.Pseudonym(id);
                if (records[i].Signal != ConsentSignal.Withdrawn)
                {
                    _ask.Add(subjects[i]!);
                }
            }
        }
        var answers = _ask.Count == 0 ? [] : await lookup.GetAsync(_ask, purpose.Name, cancellationToken);
        if (answers is null)
        {
            Report.StoreUnavailable = true;
        }
        var now = time.GetUtcNow();
        var verdicts = new RecordVerdict[records.Count];
        // Metrics are counted per batch: a 10 000-record list is a handful of kinds, not 10 000 calls.
        var counted = new DecisionTally();
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (subjects[i] is null && !record.Classified)
            {
                // A record with neither a subject nor classified data (say, a summary row) is nobody's data.
                continue;
            }
            // Classified data whose subject is unknown cannot be shown to have a basis.
            var (lawful, reason) = subjects[i] is { } subject
                ? ConsentPolicy.Evaluate(purpose.Basis, record.Signal, answers?.GetValueOrDefault(subject), answers is null && _ask.Contains(subject), now)
                : (false, "no_subject");
            verdicts[i] = lawful ? RecordVerdict.Keep : purpose.MaskWithoutBasis ? RecordVerdict.Mask : RecordVerdict.Remove;
            var decision = verdicts[i] switch
            {
                RecordVerdict.Keep => ConsentReport.Allowed,
                RecordVerdict.Mask => "masked",
                _ => record.Single ? "refused" : "removed",
            };
            Report.Add(subjects[i], decision, reason);
            counted.Add(decision, reason);
        }
        foreach (var (decision, reason, count) in counted.Kinds)
        {
            metrics.ConsentDecided(purpose.Name, decision, reason, count);
        }
        return verdicts;
    }
}
