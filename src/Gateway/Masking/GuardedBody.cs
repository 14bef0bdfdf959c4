namespace Gateway.Masking;

/// <summary>
/// Where YARP writes a CRM body that the masker does not read. The guard looks at the bytes
/// themselves, not at the headers that described them: what it refuses is never passed on, and
/// the stage answers with its reason once YARP is done.
/// </summary>
internal abstract class GuardedBody(string reasonCode, string detail) : WriteOnlyStream
{
    public string ReasonCode { get; } = reasonCode;

    public string Detail { get; } = detail;

    /// <summary>Whether bytes arrived that the guard refused.</summary>
    public bool Violated { get; private set; }

    protected ValueTask Refuse()
    {
        Violated = true;
        return ValueTask.FromException(new IOException(Detail));
    }
}

/// <summary>A body declared empty, or one of a type the route may not pass: any byte at all is refused.</summary>
internal sealed class EmptyOnlyBody(string reasonCode, string detail) : GuardedBody(reasonCode, detail)
{
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        buffer.IsEmpty ? ValueTask.CompletedTask : Refuse();
}

/// <summary>
/// A body of a type the route declares as passed unmasked. JSON is never passed unmasked, so a
/// body whose first significant character opens a JSON object or array is refused whatever its
/// Content-Type says. Until that character has arrived (after white space and a byte order mark
/// in UTF-8 or UTF-16), up to <see cref="UndecidedBytes"/> bytes are held back; a longer run of
/// white space is refused rather than judged later.
/// </summary>
internal sealed class PassThroughBody(Stream client) : GuardedBody("content_type_mismatch",
    "The CRM labelled a body that is JSON, or may be, as a type this route passes unmasked.")
{
    public const int UndecidedBytes = 64;

    private readonly byte[] _start = new byte[UndecidedBytes];
    private int _startLength;
    private bool _judged;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_judged)
        {
            await client.WriteAsync(buffer, cancellationToken);
            return;
        }
        var taken = Math.Min(buffer.Length, UndecidedBytes - _startLength);
        buffer.Span[..taken].CopyTo(_start.AsSpan(_startLength));
        _startLength += taken;
        switch (Judge(_start.AsSpan(0, _startLength)))
        {
            case null when _startLength < UndecidedBytes:
                return;
            case null or false:
                await Refuse();
                return;
        }
        _judged = true;
        await client.WriteAsync(_start.AsMemory(0, _startLength), cancellationToken);
        await client.WriteAsync(buffer[taken..], cancellationToken);
    }

    /// <summary>The body ended: bytes still held (white space only) go out.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (!_judged && _startLength > 0)
        {
            _judged = true;
            await client.WriteAsync(_start.AsMemory(0, _startLength), cancellationToken);
        }
    }

    /// <returns>False for JSON, true for anything else, null while only white space has arrived.</returns>
    private static bool? Judge(ReadOnlySpan<byte> start)
    {
        if (start is [] or [0 or 0xEF or 0xFE or 0xFF] or [0xEF, 0xBB])
        {
            // Too little to tell a byte order mark or UTF-16 from anything else.
            return null;
        }
        var (unitBytes, bigEndian, skip) = start switch
        {
            [0xEF, 0xBB, 0xBF, ..] => (1, false, 3),
            [0xFF, 0xFE, ..] => (2, false, 2),
            [0xFE, 0xFF, ..] => (2, true, 2),
            [0, not 0, ..] => (2, true, 0),
            [not 0, 0, ..] => (2, false, 0),
            _ => (1, false, 0),
        };
        for (var i = skip; i + unitBytes <= start.Length; i += unitBytes)
        {
            int unit = unitBytes == 1 ? start[i] : bigEndian ? (start[i] << 8) | start[i + 1] : start[i] | (start[i + 1] << 8);
            if (unit is ' ' or '\t' or '\r' or '\n')
            {
                continue;
            }
            return unit is not ('{' or '[');
        }
        return null;
    }
}
