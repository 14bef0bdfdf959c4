namespace Gateway.Core.Audit;

/// <summary>A place where the stream does not prove itself: an entry edited, missing, moved or unreadable.</summary>
public sealed record ChainBreak(string EntryId, string? Instance, long? Sequence, string Problem);

/// <summary>
/// Walks audit entries in stream order and checks, per instance, that each event's hash is the
/// HMAC of its bytes, that sequence numbers follow each other, and that each event names the hash
/// of the one before. A replayed copy of an event already seen (same sequence, same hash) is a
/// duplicate, counted but not a break. The first event of an instance that is read is trusted as
/// the anchor (the stream may be trimmed, or read from an id).
/// </summary>
public sealed class AuditChainVerifier(AuditKeys keys)
{
    private const int RememberedPerInstance = 65_536;
    private readonly Dictionary<string, InstanceChain> _instances = new(StringComparer.Ordinal);
    private readonly List<ChainBreak> _breaks = [];

    public long Checked { get; private set; }

    public long Duplicates { get; private set; }

    public IReadOnlyList<ChainBreak> Breaks => _breaks;

    public IReadOnlyCollection<string> Instances => _instances.Keys;

    public void Check(string entryId, AuditRecord? record)
    {
        Checked++;
        if (record is null)
        {
            _breaks.Add(new ChainBreak(entryId, null, null, "not an audit event (no readable 'event' field)"));
            return;
        }
        if (record.Instance is not { } instance || record.Sequence is not { } sequence || record.Hash is not { } hash || record.PreviousHash is null)
        {
            _breaks.Add(new ChainBreak(entryId, record.Instance, record.Sequence, "lacks its instance, sequence, prev_hash or hash"));
            return;
        }
        if (!string.Equals(keys.ChainHash(record.Json), hash, StringComparison.Ordinal))
        {
            _breaks.Add(new ChainBreak(entryId, instance, sequence, "modified: its hash does not match its content"));
        }
        if (!_instances.TryGetValue(instance, out var chain))
        {
            _instances[instance] = InstanceChain.StartingAt(sequence, hash);
            return;
        }
        if (sequence <= chain.Sequence)
        {
            if (chain.Remembers(sequence, hash))
            {
                Duplicates++;
                return;
            }
            _breaks.Add(new ChainBreak(entryId, instance, sequence, $"out of order: sequence {sequence} after {chain.Sequence}"));
            return;
        }
        if (sequence > chain.Sequence + 1)
        {
            var missing = sequence - chain.Sequence - 1;
            _breaks.Add(new ChainBreak(entryId, instance, sequence, $"gap: {missing} event(s) before it are missing (sequence {chain.Sequence + 1}..{sequence - 1})"));
        }
        else if (!string.Equals(record.PreviousHash, chain.Hash, StringComparison.Ordinal))
        {
            _breaks.Add(new ChainBreak(entryId, instance, sequence, "chain broken: prev_hash is not the hash of the event before"));
        }
        chain.Advance(sequence, hash);
    }

    private sealed class InstanceChain
    {
        private readonly Dictionary<long, string> _recent = [];

        public long Sequence { get; private set; }

        public string Hash { get; private set; } = string.Empty;

        public static InstanceChain StartingAt(long sequence, string hash)
        {
            var chain = new InstanceChain();
            chain.Advance(sequence, hash);
            return chain;
        }

        public bool Remembers(long sequence, string hash) =>
            _recent.TryGetValue(sequence, out var seen) && string.Equals(seen, hash, StringComparison.Ordinal);

        public void Advance(long sequence, string hash)
        {
            (Sequence, Hash) = (sequence, hash);
            _recent[sequence] = hash;
            _recent.Remove(sequence - RememberedPerInstance);
        }
    }
}
