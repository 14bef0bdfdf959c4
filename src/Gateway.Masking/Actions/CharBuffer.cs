using System.Buffers;
using System.Text;

namespace Gateway.Masking.Actions;

/// <summary>A pooled scratch of characters for building a masked value without allocating a string.</summary>
internal ref struct CharBuffer
{
    private char[]? _rented;

    public CharBuffer(int length)
    {
        _rented = ArrayPool<char>.Shared.Rent(Math.Max(length, 1));
        Chars = _rented.AsSpan(0, length);
    }

    /// <summary>The UTF-8 value decoded to characters.</summary>
    public CharBuffer(ReadOnlySpan<byte> utf8)
        : this(Encoding.UTF8.GetMaxCharCount(utf8.Length))
    {
        Chars = Chars[..Encoding.UTF8.GetChars(utf8, Chars)];
    }

    public Span<char> Chars { get; private set; }

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<char>.Shared.Return(_rented);
            _rented = null;
        }
    }
}
