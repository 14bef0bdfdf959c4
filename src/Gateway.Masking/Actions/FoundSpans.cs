using System.Buffers;

namespace Gateway.Masking.Actions;

/// <summary>A span of free text a detector found, by the detector's index in the order they run.</summary>
internal readonly record struct FoundSpan(int Start, int Length, int Detector)
{
    public int End => Start + Length;
}

/// <summary>
/// The spans found in one text, kept sorted by start and never overlapping: on the stack for the
/// few a note holds, in a pooled array for a text with many.
/// </summary>
internal ref struct FoundSpans(Span<FoundSpan> initial)
{
    public const int OnStack = 16;

    private Span<FoundSpan> _spans = initial;
    private FoundSpan[]? _rented;

    public int Count { get; private set; }

    public readonly ReadOnlySpan<FoundSpan> InOrder => _spans[..Count];

    /// <summary>A span overlapping one found earlier is dropped: detectors run most specific first.</summary>
    public void AddUnlessOverlapping(FoundSpan span)
    {
        var at = Count;
        while (at > 0 && _spans[at - 1].Start > span.Start)
        {
            at--;
        }
        if ((at > 0 && _spans[at - 1].End > span.Start) || (at < Count && span.End > _spans[at].Start))
        {
            return;
        }
        if (Count == _spans.Length)
        {
            Grow();
        }
        _spans[at..Count].CopyTo(_spans[(at + 1)..]);
        _spans[at] = span;
        Count++;
    }

    private void Grow()
    {
        var larger = ArrayPool<FoundSpan>.Shared.Rent(_spans.Length * 2);
        _spans[..Count].CopyTo(larger);
        Dispose();
        _rented = larger;
        _spans = larger;
    }

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<FoundSpan>.Shared.Return(_rented);
            _rented = null;
        }
    }
}
