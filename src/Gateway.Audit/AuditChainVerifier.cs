using System.Globalization;
using System.Text.Json;

namespace Gateway.Audit;

/// <summary>A place where the stream does not prove itself: an entry edited, missing, moved or unreadable.</summary>
public sealed record ChainBreak(string EntryId, string? Instance, long? Sequence, string Problem);

/// <summary>Why an instance's sequence numbers from <see cref="SequenceGap.First"/> to <see cref="SequenceGap.Last"/> are not in the stream.</summary>
public enum GapKind
{
    /// <summary>The events were written, then removed: the event after the gap names the hash of one the stream does not hold.</summary>
    Missing,

    /// <summary>The numbers were given to events a running gateway never wrote (dropped with FailMode=open, or unwritable; it logged each): the chain holds over the gap.</summary>
    NotWritten,

    /// <summary>The numbers were reserved by a process that ended without stopping, as the restart event after the gap says.</summary>
    UnwrittenAtCrash,
}

/// <summary>A run of one instance's sequence numbers the stream does not hold, found at the entry after it.</summary>
/// <param name="PreviousDurability">For <see cref="GapKind.UnwrittenAtCrash"/>: the crashed process's durability setting.</param>
/// <param name="IsBreak">Whether events of answered requests can be among them (everything but a crash gap under spooled or stream durability).</param>
public sealed record SequenceGap(string EntryId, string Instance, long First, long Last, GapKind Kind, string? PreviousDurability, bool IsBreak)
{
    public long Count => Last - First + 1;
}

/// <summary>
/// Walks audit entries in stream order and checks, per instance, that each event's hash is the
/// HMAC of its bytes, that sequence numbers follow each other, and that each event names the hash
/// of the event written before it. A replayed copy of an event already seen (same sequence, same
/// hash) is a duplicate, counted but not a break. The first event of an instance that is read is
/// trusted as the anchor (the stream may be trimmed, or read from an id).
/// </summary>
/// <remarks>
/// A gap in the sequence is told apart by the event after it. The gateway chains each event to the
/// last one it wrote, so if that event names the hash of the one before the gap, the numbers in
/// between were never written (a crash, a drop); if it names another hash, events were written and
/// then removed. A restart event after a crash says which numbers the crashed process had reserved
/// and never wrote, and under which durability: with <c>queued</c>, requests answered just before the
/// crash can be among them (a break); with <c>spooled</c> or <c>stream</c> no response ended before its
/// event was kept, so none can (reported, not a break).
/// </remarks>
public sealed class AuditChainVerifier(AuditKeys keys)
{
    private const int RememberedPerInstance = 65_536;
    private readonly Dictionary<string, InstanceChain> _instances = new(StringComparer.Ordinal);
    private readonly List<ChainBreak> _breaks = [];
    private readonly List<SequenceGap> _gaps = [];

    public long Checked { get; private set; }

    public long Duplicates { get; private set; }

    /// <summary>Restart events after a crash that were read.</summary>
    public long Restarts { get; private set; }

    public IReadOnlyList<ChainBreak> Breaks => _breaks;

    /// <summary>Every gap in an instance's sequence, breaks or not, in the order they were found.</summary>
    public IReadOnlyList<SequenceGap> Gaps => _gaps;

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
        var restart = Restart.From(record);
        if (!_instances.TryGetValue(instance, out var chain))
        {
            _instances[instance] = InstanceChain.StartingAt(sequence, hash);
            CountRestart(entryId, instance, sequence, restart, gapAlreadyReported: false);
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
        var linked = string.Equals(record.PreviousHash, chain.Hash, StringComparison.Ordinal);
        var gapReported = false;
        if (sequence > chain.Sequence + 1)
        {
            ReportGap(entryId, instance, chain.Sequence + 1, sequence - 1, linked, restart);
            gapReported = true;
        }
        else if (!linked)
        {
            _breaks.Add(new ChainBreak(entryId, instance, sequence, "chain broken: prev_hash is not the hash of the event before"));
        }
        CountRestart(entryId, instance, sequence, restart, gapReported);
        chain.Advance(sequence, hash);
    }

    private void ReportGap(string entryId, string instance, long first, long last, bool linked, Restart? restart)
    {
        if (restart?.UnwrittenFirst is { } unwrittenFirst && restart.UnwrittenLast == last && unwrittenFirst >= first
            && (linked || unwrittenFirst > first))
        {
            if (unwrittenFirst > first)
            {
                AddGap(new SequenceGap(entryId, instance, first, unwrittenFirst - 1, GapKind.Missing, null, IsBreak: true));
            }
            AddGap(new SequenceGap(entryId, instance, unwrittenFirst, last, GapKind.UnwrittenAtCrash, restart.PreviousDurability, IsBreak: restart.AnsweredRequestsMayBeLost));
            return;
        }
        AddGap(new SequenceGap(entryId, instance, first, last, linked ? GapKind.NotWritten : GapKind.Missing, null, IsBreak: true));
    }

    /// <summary>A restart after a crash while responses did not wait for their events is a break even without a gap: requests answered in the instant before may lack theirs.</summary>
    private void CountRestart(string entryId, string instance, long sequence, Restart? restart, bool gapAlreadyReported)
    {
        if (restart is null)
        {
            return;
        }
        Restarts++;
        if (restart.AnsweredRequestsMayBeLost && !gapAlreadyReported)
        {
            _breaks.Add(new ChainBreak(entryId, instance, sequence, $"restart after a crash with Durability={restart.PreviousDurability}: requests answered just before the crash may lack their events"));
        }
    }

    private void AddGap(SequenceGap gap)
    {
        _gaps.Add(gap);
        if (gap.IsBreak)
        {
            _breaks.Add(new ChainBreak(gap.EntryId, gap.Instance, gap.Last + 1, Describe(gap)));
        }
    }

    /// <summary>How a gap reads in a report.</summary>
    public static string Describe(SequenceGap gap)
    {
        var range = string.Create(CultureInfo.InvariantCulture, $"{gap.Count} sequence number(s) {gap.First}..{gap.Last}");
        return gap.Kind switch
        {
            GapKind.Missing => $"gap: {range} missing: events written, then removed from the stream",
            GapKind.NotWritten => $"gap: {range} given to events the gateway never wrote (dropped or unwritable, each logged)",
            _ when gap.IsBreak => $"gap: {range} not written before a crash (Durability={gap.PreviousDurability}): events of requests answered just before it may be among them",
            _ => $"gap: {range} reserved by a process that crashed (Durability={gap.PreviousDurability}) and not written: no answered request's event is among them",
        };
    }

    /// <summary>What a restart event (<c>unmapped.change = audit_restart</c>) says.</summary>
    private sealed record Restart(long? UnwrittenFirst, long? UnwrittenLast, string PreviousDurability)
    {
        public bool AnsweredRequestsMayBeLost => PreviousDurability is not ("spooled" or "stream");

        public static Restart? From(AuditRecord record)
        {
            var root = record.Document.RootElement;
            if (!root.TryGetProperty("unmapped", out var unmapped) || unmapped.ValueKind != JsonValueKind.Object
                || !unmapped.TryGetProperty("change", out var change) || !change.ValueEquals(AuditRestartEvent.ChangeName))
            {
                return null;
            }
            var durability = unmapped.TryGetProperty("previous_durability", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "unknown";
            if (unmapped.TryGetProperty("unwritten_sequences", out var range) && range.ValueKind == JsonValueKind.Object
                && range.TryGetProperty("first", out var first) && first.TryGetInt64(out var from)
                && range.TryGetProperty("last", out var last) && last.TryGetInt64(out var to))
            {
                return new Restart(from, to, durability);
            }
            return new Restart(null, null, durability);
        }
    }

    private sealed class InstanceChain
    {
        private readonly Dictionary<long, string> _recent = [];
        private readonly Queue<long> _order = new();

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
            _order.Enqueue(sequence);
            if (_order.Count > RememberedPerInstance)
            {
                _recent.Remove(_order.Dequeue());
            }
        }
    }
}
