using System.Collections.Concurrent;
using Gateway.Masking;
using Microsoft.Extensions.Options;

namespace Gateway.Consent;

/// <summary>
/// Recent answers of the consent store, so a client paging through the same subjects does not
/// cost a round trip each time. Safe against the race a plain cache has: an answer read before a
/// change was announced is not stored after it (every eviction moves a generation counter on).
/// Caches nothing while change announcements cannot be received.
/// </summary>
internal sealed class ConsentCache(IOptions<ConsentOptions> options, IOptions<Purpose.PurposeOptions> purposes, TimeProvider time)
{
    private readonly string[] _purposes = [.. purposes.Value.Catalog.Keys];
    private readonly ConcurrentDictionary<(SubjectHash Subject, string Purpose), Entry> _entries = new();
    private readonly TimeSpan _ttl = options.Value.CacheTtl;
    private readonly int _maxEntries = options.Value.CacheMaxEntries;
    private long _generation;

    /// <summary>About how many entries there are: ConcurrentDictionary.Count takes every lock, too dear for each answer stored.</summary>
    private int _count;
    private volatile bool _listening;

    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGet(SubjectHash subjectHash, string purpose, out ConsentRecord? record)
    {
        if (_entries.TryGetValue((subjectHash, purpose), out var entry) && time.GetTimestamp() < entry.ExpiresAt)
        {
            record = entry.Record;
            return true;
        }
        record = null;
        return false;
    }

    /// <param name="generation">The <see cref="Generation"/> read before the store was asked.</param>
    public void Add(SubjectHash subjectHash, string purpose, ConsentRecord? record, long generation)
    {
        if (!MayStore(generation))
        {
            return;
        }
        if (Volatile.Read(ref _count) >= _maxEntries)
        {
            ClearEntries();
        }
        var entry = new Entry(record, time.GetTimestamp() + (long)(_ttl.TotalSeconds * time.TimestampFrequency));
        if (_entries.TryAdd((subjectHash, purpose), entry))
        {
            Interlocked.Increment(ref _count);
        }
        else
        {
            _entries[(subjectHash, purpose)] = entry;
        }
        if (generation != Generation)
        {
            // An announcement arrived while storing: it may have been about this very answer.
            Remove(subjectHash, purpose);
        }
    }

    /// <summary>Whether an answer the store gave after <paramref name="generation"/> was read may still be stored.</summary>
    public bool MayStore(long generation) => _listening && _ttl > TimeSpan.Zero && generation == Generation;

    public void Evict(SubjectHash subjectHash)
    {
        Interlocked.Increment(ref _generation);
        foreach (var purpose in _purposes)
        {
            Remove(subjectHash, purpose);
        }
    }

    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        ClearEntries();
    }

    /// <summary>Whether announcements are being received; caching stops (and starts empty) when they are not.</summary>
    public void Listening(bool listening)
    {
        _listening = listening;
        Clear();
    }

    private void Remove(SubjectHash subjectHash, string purpose)
    {
        if (_entries.TryRemove((subjectHash, purpose), out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private void ClearEntries()
    {
        _entries.Clear();
        Volatile.Write(ref _count, 0);
    }

    private readonly record struct Entry(ConsentRecord? Record, long ExpiresAt);
}
