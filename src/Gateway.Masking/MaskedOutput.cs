using System.Runtime.InteropServices;
using Gateway.Masking.Actions;

namespace Gateway.Masking;

/// <summary>
/// Where a masking session writes. Most of a body leaves as it came, so tokens that stay are not
/// copied one by one: they extend a run of the input, which is copied in one go when something
/// else has to be written (a mask, a separator the input does not have, dropped whitespace) or
/// when the input buffer is about to move. Positions are offsets in the input read by the
/// current <see cref="MaskingSession.Process"/> call.
/// </summary>
internal sealed class MaskedOutput
{
    private PooledBufferWriter _buffer = null!;
    private MaskedValueWriter? _values;
    private byte[] _input = [];
    private int _inputOffset;
    private int _runStart = -1;
    private int _runEnd;

    /// <summary>The bytes written so far, the pending run included.</summary>
    public int Position
    {
        get
        {
            Flush();
            return _buffer.Written.Length;
        }
    }

    /// <summary>Starts a <see cref="MaskingSession.Process"/> call: new input (array-backed: the masker's read buffer or held output), maybe a new buffer.</summary>
    public void Begin(ReadOnlyMemory<byte> input, PooledBufferWriter buffer)
    {
        if (!MemoryMarshal.TryGetArray(input, out var segment))
        {
            throw new ArgumentException("The masker reads from arrays.", nameof(input));
        }
        (_input, _inputOffset, _buffer, _runStart) = (segment.Array!, segment.Offset, buffer, -1);
        _values?.Target(buffer);
    }

    /// <summary>Where a mask writes its value, after the pending run.</summary>
    public MaskedValueWriter Values()
    {
        Flush();
        return _values ??= new MaskedValueWriter(_buffer);
    }

    /// <summary>Bytes of the current input, by offset.</summary>
    public ReadOnlySpan<byte> InputBytes(int start, int length) => _input.AsSpan(_inputOffset + start, length);

    /// <summary>Input bytes [start, end) go out as they are.</summary>
    public void Input(int start, int end)
    {
        if (_runStart >= 0 && start == _runEnd)
        {
            _runEnd = end;
            return;
        }
        Flush();
        (_runStart, _runEnd) = (start, end);
    }

    /// <summary>
    /// What goes before a member that starts at input offset <paramref name="next"/>: a comma or
    /// nothing. When the input has exactly that there, the run simply goes on over it.
    /// </summary>
    public void Separator(bool comma, int next)
    {
        if (_runStart >= 0 && next - _runEnd == (comma ? 1 : 0) && (!comma || _input[_inputOffset + _runEnd] == (byte)','))
        {
            _runEnd = next;
            return;
        }
        if (comma)
        {
            Literal((byte)',');
        }
    }

    public void Literal(byte value)
    {
        Flush();
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void Literal(ReadOnlySpan<byte> bytes)
    {
        Flush();
        bytes.CopyTo(_buffer.GetSpan(bytes.Length));
        _buffer.Advance(bytes.Length);
    }

    /// <summary>A property name that cannot be taken from the input as it is (it came in an earlier read, or with whitespace before its colon).</summary>
    public void Name(ReadOnlySpan<byte> raw)
    {
        Flush();
        var span = _buffer.GetSpan(raw.Length + 3);
        span[0] = (byte)'"';
        raw.CopyTo(span[1..]);
        span[raw.Length + 1] = (byte)'"';
        span[raw.Length + 2] = (byte)':';
        _buffer.Advance(raw.Length + 3);
    }

    /// <summary>Writes the pending run; needed before anything else is written, and before the input moves.</summary>
    public void Flush()
    {
        if (_runStart < 0)
        {
            return;
        }
        var run = _input.AsSpan(_inputOffset + _runStart, _runEnd - _runStart);
        run.CopyTo(_buffer.GetSpan(run.Length));
        _buffer.Advance(run.Length);
        _runStart = -1;
    }
}
