using Gateway.Masking;

namespace Gateway.Audit;

/// <summary>
/// What the consent stage decided for one response, for the audit event; subjects only as keyed
/// hashes. It lives as long as the response, so a 10 000-record list must not cost 10 000 objects:
/// each listed decision is the hash's 16 bytes and one byte naming its decision and reason, in
/// chunks below the large-object threshold; the audit writer turns them into text. Every chunk
/// but the first comes from <see cref="ReportChunkPool"/> and goes back with <see cref="Release"/>.
/// </summary>
public sealed class ConsentReport(string purpose, string basis, int maxListed)
{
    private const int HashBytes = SubjectHash.Bytes;
    private const int EntryBytes = HashBytes + 1;
    private const int EntriesPerChunk = ReportChunkPool.ChunkBytes / EntryBytes;
    private const int FirstChunkEntries = 4;
    private const byte NoSubject = 0x80;

    /// <summary>The decision for a record that may leave as it is.</summary>
    public const string Allowed = "allowed";

    /// <summary>Every decision and reason met so far, with how often; a kind's index is what the listed decisions store.</summary>
    private readonly DecisionTally _tally = new();
    private readonly List<byte[]> _chunks = [];
    private bool _released;

    public string Purpose { get; } = purpose;

    public string Basis { get; } = basis;

    /// <summary>How many decisions are listed: the first ones, up to the report's limit; <see cref="Kinds"/> counts them all.</summary>
    internal int Listed { get; private set; }

    /// <summary>The listed decisions, in order, without making objects (the audit writer writes the hashes' hex straight into the event).</summary>
    internal ListedEnumerator EnumerateListed()
    {
        ObjectDisposedException.ThrowIf(_released, this);
        return new(this);
    }

    /// <summary>Every decision and reason met, with how often, the listed ones and those beyond the limit alike.</summary>
    internal IReadOnlyList<(string Decision, string Reason, int Count)> Kinds => _tally.Kinds;

    /// <summary>Some record was removed, masked or refused rather than allowed.</summary>
    public bool AnyWithheld
    {
        get
        {
            var kinds = _tally.Kinds;
            for (var i = 0; i < kinds.Count; i++)
            {
                if (kinds[i].Decision != Allowed)
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>The consent store could not be asked, so records were treated as without consent.</summary>
    public bool StoreUnavailable { get; set; }

    /// <summary>Called by the response's one gate, batch after batch; read by the audit writer only after the response.</summary>
    /// <param name="subject">The subject's keyed hash, or null.</param>
    public void Add(SubjectHash? subject, string decision, string reason)
    {
        ObjectDisposedException.ThrowIf(_released, this);
        var kind = _tally.Add(decision, reason);
        if (kind >= NoSubject)
        {
            throw new InvalidOperationException("More kinds of consent decision than a listed entry can name.");
        }
        if (Listed >= maxListed)
        {
            return;
        }
        if (Listed % EntriesPerChunk == 0)
        {
            _chunks.Add(Listed == 0 ? new byte[FirstChunkEntries * EntryBytes] : ReportChunkPool.Rent());
        }
        else if (Listed * EntryBytes == _chunks[0].Length)
        {
            // Only the first chunk grows: most responses are one record or a page, and a 16 KB
            // chunk for each of them was most of what a busy gateway allocated per request.
            var larger = new byte[Math.Min(_chunks[0].Length * 2, EntriesPerChunk * EntryBytes)];
            _chunks[0].CopyTo(larger, 0);
            _chunks[0] = larger;
        }
        var entry = _chunks[^1].AsSpan(Listed % EntriesPerChunk * EntryBytes, EntryBytes);
        subject.GetValueOrDefault().WriteBytes(entry);
        entry[HashBytes] = (byte)(subject is null ? kind | NoSubject : kind);
        Listed++;
    }

    /// <summary>
    /// Gives the pooled chunks back. Only for the report's last reader (the audit writer, once the
    /// event is written): any use after it throws, rather than read another response's decisions.
    /// </summary>
    internal void Release()
    {
        _released = true;
        ReportChunkPool.ReturnAll(_chunks);
    }

    internal struct ListedEnumerator(ConsentReport report)
    {
        private int _next;

        public readonly ListedDecision Current
        {
            get
            {
                var index = _next - 1;
                var entry = report._chunks[index / EntriesPerChunk].AsSpan(index % EntriesPerChunk * EntryBytes, EntryBytes);
                var kind = entry[HashBytes];
                var (decision, reason, _) = report._tally.Kinds[kind & ~NoSubject];
                return new ListedDecision((kind & NoSubject) != 0 ? [] : entry[..HashBytes], decision, reason);
            }
        }

        public readonly ListedEnumerator GetEnumerator() => this;

        public bool MoveNext() => ++_next <= report.Listed;
    }
}

/// <summary>
/// One listed decision: the subject's keyed hash (16 bytes; empty for a record with no subject id),
/// the decision (<c>allowed</c>, <c>removed</c>, <c>masked</c> or <c>refused</c>: a single record,
/// answered with 451) and why (<c>granted</c>, <c>withdrawn</c>, <c>withdrawn_in_crm</c>,
/// <c>no_consent</c>, <c>store_unavailable</c>, ...).
/// </summary>
internal readonly ref struct ListedDecision(ReadOnlySpan<byte> hash, string decision, string reason)
{
    public ReadOnlySpan<byte> Hash { get; } = hash;

    public string Decision { get; } = decision;

    public string Reason { get; } = reason;
}
