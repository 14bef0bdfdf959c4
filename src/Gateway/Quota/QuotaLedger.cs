using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Gateway.Quota;

/// <summary>
/// This instance's <see cref="PrincipalQuota"/> entries, at most <see cref="QuotaOptions.MaxPrincipals"/>,
/// and those with counts still to send, for the flusher. An entry is dropped once it is idle with
/// nothing unsent; one still counted after it was dropped (a response that outlived its request's
/// stage) is still queued and sent.
/// </summary>
internal sealed class QuotaLedger
{
    private readonly ConcurrentDictionary<string, PrincipalQuota> _principals = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<PrincipalQuota> _unsent = new();
    private readonly string _keyPrefix;
    private readonly int _maxPrincipals;
    private int _count;

    /// <summary>The last batch number handed out, by any entry (see <see cref="PrincipalQuota"/>).</summary>
    private long _sequence;

    public QuotaLedger(IOptions<QuotaOptions> options)
    {
        _keyPrefix = options.Value.KeyPrefix;
        _maxPrincipals = options.Value.MaxPrincipals;
    }

    public int Count => Volatile.Read(ref _count);

    private long NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>The principal's entry, marked in use until <see cref="PrincipalQuota.Leave"/>.</summary>
    /// <returns>Null when the ledger is full of principals in use or with counts unsent.</returns>
    public PrincipalQuota? Enter(string principal, long nowMs)
    {
        while (true)
        {
            if (!_principals.TryGetValue(principal, out var entry))
            {
                if (Count >= _maxPrincipals && Sweep(nowMs, idleMs: 0) == 0)
                {
                    return null;
                }
                var created = new PrincipalQuota(principal, RedisQuotaCounters.KeysOf(_keyPrefix, principal), _unsent.Enqueue, NextSequence);
                entry = _principals.GetOrAdd(principal, created);
                if (ReferenceEquals(entry, created))
                {
                    Interlocked.Increment(ref _count);
                }
            }
            if (entry.TryEnter())
            {
                return entry;
            }
            // Dropped by a sweep a moment ago: it is no longer in the table.
        }
    }

    /// <summary>Entries with counts to send, each once per call; those that stay unsent go back with <see cref="PrincipalQuota.QueueIfUnsent"/>.</summary>
    public List<PrincipalQuota> TakeUnsent()
    {
        var entries = new List<PrincipalQuota>();
        while (_unsent.TryDequeue(out var entry))
        {
            entry.Dequeued();
            entries.Add(entry);
        }
        return entries;
    }

    /// <summary>Drops entries idle for <paramref name="idleMs"/> with nothing unsent and no local window open.</summary>
    /// <returns>How many were dropped.</returns>
    public int Sweep(long nowMs, long idleMs)
    {
        var dropped = 0;
        foreach (var (principal, entry) in _principals)
        {
            if (entry.TryRetire(nowMs, idleMs) && _principals.TryRemove(KeyValuePair.Create(principal, entry)))
            {
                Interlocked.Decrement(ref _count);
                dropped++;
            }
        }
        return dropped;
    }
}
