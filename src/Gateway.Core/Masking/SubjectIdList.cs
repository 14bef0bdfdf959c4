using System.Buffers.Binary;
using System.Collections;
using System.Text;

namespace Gateway.Core.Masking;

/// <summary>
/// The subject ids a masker met, kept as UTF-8 in chunks that grow to 16 KB (below the
/// large-object threshold) rather than as one string each: a list of 10 000 records costs about
/// 100 KB instead of 400 KB of strings, and the audit stage hashes the bytes without decoding them.
/// </summary>
public sealed class SubjectIdList : IReadOnlyCollection<string>
{
    private const int FirstChunkBytes = 256;
    private const int MaxChunkBytes = 16 * 1024;
    private const int LengthBytes = 4;

    private readonly List<byte[]> _chunks = [];

    /// <summary>How many bytes of each chunk hold ids (the last one is still filling).</summary>
    private readonly List<int> _used = [];

    public int Count { get; private set; }

    public void Add(string subjectId) => Add(Encoding.UTF8.GetBytes(subjectId));

    public void Add(ReadOnlySpan<byte> utf8)
    {
        var needed = LengthBytes + utf8.Length;
        if (_chunks.Count == 0 || _chunks[^1].Length - _used[^1] < needed)
        {
            var size = _chunks.Count == 0 ? FirstChunkBytes : Math.Min(_chunks[^1].Length * 2, MaxChunkBytes);
            _chunks.Add(new byte[Math.Max(size, needed)]);
            _used.Add(0);
        }
        var chunk = _chunks[^1].AsSpan(_used[^1]);
        BinaryPrimitives.WriteInt32LittleEndian(chunk, utf8.Length);
        utf8.CopyTo(chunk[LengthBytes..]);
        _used[^1] += needed;
        Count++;
    }

    /// <summary>Each id's UTF-8 bytes, in the order met, without making strings.</summary>
    public Utf8Enumerator Utf8 => new(this);

    public IEnumerator<string> GetEnumerator()
    {
        var ids = Utf8;
        while (ids.MoveNext())
        {
            yield return Encoding.UTF8.GetString(ids.Current);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public struct Utf8Enumerator(SubjectIdList list)
    {
        private int _chunk;
        private int _next;
        private byte[] _current = [];
        private int _offset;
        private int _length;

        public readonly ReadOnlySpan<byte> Current => _current.AsSpan(_offset, _length);

        public readonly Utf8Enumerator GetEnumerator() => this;

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
