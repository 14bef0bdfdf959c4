using System.Collections.Concurrent;
using Gateway.Masking;
using Gateway.Telemetry;

namespace Gateway.Consent;

/// <summary>
/// Store lookups under way, by subject and purpose, so that responses reading the same subjects at
/// the same moment share one lookup instead of each asking the store: fifty clients paging one
/// list after its cached answers had expired sent fifty round trips for the same keys, ten thousand
/// reads in flight at once. A lookup is joined only while the cache would still store its answer
/// (no change announced since it was sent), so a shared answer is never older than a cached one,
/// and only within the lookup timeout of its sending, so a lookup stuck on a lost connection does
/// not fail responses that a fresh one could answer.
/// </summary>
internal sealed class ConsentLookupsInFlight(ConsentCache cache, GatewayMetrics metrics, TimeSpan lookupTimeout, TimeProvider time)
{
    private readonly ConcurrentDictionary<(SubjectHash Subject, string Purpose), PendingAnswer> _pending = new();
    /// <summary>The answer a lookup already sent will give for this subject, if it may be shared.</summary>
    public bool TryJoin(SubjectHash subject, string purpose, out PendingAnswer pending) =>
        _pending.TryGetValue((subject, purpose), out pending)
        && time.GetElapsedTime(pending.Lookup.SentAt) < lookupTimeout
        && cache.MayStore(pending.Lookup.Generation);

    /// <summary>
    /// Offers a lookup just sent to later responses, unless the cache would not store its answers
    /// (caching off, or announcements not received); when the store answers, its answers go into
    /// the cache and it stops being offered.
    /// </summary>
    public void Offer(StoreLookup lookup)
    {
        if (cache.MayStore(lookup.Generation))
        {
            for (var i = 0; i < lookup.Subjects.Count; i++)
            {
                _pending.TryAdd((lookup.Subjects[i], lookup.Purpose), new PendingAnswer(lookup, i));
            }
        }
        // Attached after the offers: a lookup already answered withdraws them at once, rather than leaving them behind for good.
        lookup.Answers.ContinueWith(
            static (answers, state) =>
            {
                var (self, lookup) = ((ConsentLookupsInFlight, StoreLookup))state!;
                self.Answered(lookup, answers);
            },
            (this, lookup),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void Answered(StoreLookup lookup, Task<ConsentRecord?[]> answers)
    {
        var succeeded = answers.IsCompletedSuccessfully;
        if (succeeded)
        {
            metrics.ConsentStoreAnswered(time.GetElapsedTime(lookup.SentAt));
        }
        else
        {
            // Observed here: every response that waited for it may have given up already.
            _ = answers.Exception;
        }
        for (var i = 0; i < lookup.Subjects.Count; i++)
        {
            var subject = lookup.Subjects[i];
            // Cached before it stops being offered, so a response arriving in between finds it one way or the other.
            if (succeeded)
            {
                cache.Add(subject, lookup.Purpose, answers.Result[i], lookup.Generation);
            }
            _pending.TryRemove(KeyValuePair.Create((subject, lookup.Purpose), new PendingAnswer(lookup, i)));
        }
    }
}

/// <summary>One pipelined round trip to the consent store, for these subjects and this purpose.</summary>
/// <param name="generation">The cache's <see cref="ConsentCache.Generation"/> read before it was sent.</param>
/// <param name="sentAt">When it was sent: a timestamp of the gateway's <see cref="TimeProvider"/>.</param>
internal sealed class StoreLookup(IReadOnlyList<SubjectHash> subjects, string purpose, long generation, long sentAt, Task<ConsentRecord?[]> answers)
{
    public IReadOnlyList<SubjectHash> Subjects { get; } = subjects;

    public string Purpose { get; } = purpose;

    public long Generation { get; } = generation;

    public long SentAt { get; } = sentAt;

    public Task<ConsentRecord?[]> Answers { get; } = answers;
}

/// <summary>The answer for one subject of a lookup under way: the <paramref name="Index"/>th of its answers.</summary>
internal readonly record struct PendingAnswer(StoreLookup Lookup, int Index)
{
    public SubjectHash Subject => Lookup.Subjects[Index];

    public ConsentRecord? Answer => Lookup.Answers.Result[Index];
}
