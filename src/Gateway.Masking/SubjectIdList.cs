using System.Buffers.Binary;
using System.Collections;
using System.Text;

namespace Gateway.Masking;

/// <summary>
/// The subjects a masker met, in the order met: their ids as UTF-8, or, when a record gate keyed
/// them as they were read (<see cref="IRecordGate.Key"/>), their keyed hashes, which the audit
/// stage then need not make again. Kept in chunks that grow to 16 KB (below the large-object
/// threshold) rather than as one string each: a list of 10 000 records costs about 100 KB
/// instead of 400 KB of strings. The 16 KB chunks come from <see cref="ReportChunkPool"/> and go
/// back to it with <see cref="Release"/>, once the audit writer has written the list.
/// </summary>
public sealed class SubjectIdList : IReadOnlyCollection<string>
{
    private const int FirstChunkBytes = 256;
    private const int MaxChunkBytes = ReportChunkPool.ChunkBytes;
    private const int LengthBytes = 4;

    private readonly List<byte[]> _chunks = [];

    /// <summary>How many bytes of each chunk hold ids (the last one is still filling).</summary>
    private readonly List<int> _used = [];

    private bool _released;

    public int Count { get; private set; }

    /// <summary>The entries are keyed hashes (<see cref="SubjectHash.Bytes"/> each), not ids.</summary>
    public bool Keyed { get; private set; }

    internal void Add(string subjectId) => Add(Encoding.UTF8.GetBytes(subjectId));

    internal void Add(ReadOnlySpan<byte> utf8)
    {
        if (Keyed)
        {
            throw new InvalidOperationException("A list of keyed hashes takes no ids.");
        }
        Append(utf8);
    }

    internal void Add(SubjectHash subject)
    {
        if (Count > 0 && !Keyed)
        {
            throw new InvalidOperationException("A list of ids takes no keyed hashes.");
        }
        Keyed = true;
        Span<byte> bytes = stackalloc byte[SubjectHash.Bytes];
        subject.WriteBytes(bytes);
        Append(bytes);
    }

    private void Append(ReadOnlySpan<byte> entry)
    {
        ObjectDisposedException.ThrowIf(_released, this);
        var needed = LengthBytes + entry.Length;
        if (_chunks.Count == 0 || _chunks[^1].Length - _used[^1] < needed)
        {
            var size = Math.Max(_chunks.Count == 0 ? FirstChunkBytes : Math.Min(_chunks[^1].Length * 2, MaxChunkBytes), needed);
            _chunks.Add(size == MaxChunkBytes ? ReportChunkPool.Rent() : new byte[size]);
            _used.Add(0);
        }
        var chunk = _chunks[^1].AsSpan(_used[^1]);
        BinaryPrimitives.WriteInt32LittleEndian(chunk, entry.Length);
        entry.CopyTo(chunk[LengthBytes..]);
        _used[^1] += needed;
        Count++;
    }

    /// <summary>Each entry's bytes, in the order met, without making strings: an id's UTF-8, or in a <see cref="Keyed"/> list a hash's bytes.</summary>
    public EntryEnumerator Entries
    {
        get
        {
            ObjectDisposedException.ThrowIf(_released, this);
            return new(this);
        }
    }

    /// <summary>
    /// Gives the pooled chunks back. Only for the list's last reader (the audit writer, once the
    /// event is written): any use after it throws, rather than read another response's subjects.
    /// </summary>
    public void Release()
    {
        _released = true;
        ReportChunkPool.ReturnAll(_chunks);
        _used.Clear();
    }

    /// <summary>The ids, or in a <see cref="Keyed"/> list the hashes in hex.</summary>
    public IEnumerator<string> GetEnumerator()
    {
        var entries = Entries;
        while (entries.MoveNext())
        {
            yield return Keyed ? SubjectHash.FromBytes(entries.Current).ToString() : Encoding.UTF8.GetString(entries.Current);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public struct EntryEnumerator(SubjectIdList list)
    {
        private int _chunk;
        private int _next;
        private byte[] _current = [];
        private int _offset;
        private int _length;

        public readonly ReadOnlySpan<byte> Current => _current.AsSpan(_offset, _length);

        public readonly EntryEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            while (_chunk < list._chunks.Count)
            {
                var chunk = list._chunks[_chunk];
                if (_next < list._used[_chunk])
                {
                    _length = BinaryPrimitives.ReadInt32LittleEndian(chunk.AsSpan(_next));
                    (_current, _offset) = (chunk, _next + LengthBytes);
                    _next = _offset + _length;
                    return true;
                }
                (_chunk, _next) = (_chunk + 1, 0);
            }
            return false;
        }
    }
}
