namespace Gateway.Masking;

/// <summary>
/// A small CRM body, collected whole as YARP copies it and masked once YARP is done: handing
/// it to a masking task of its own as it streams cost more thread-pool hops than masking it.
/// </summary>
internal sealed class HeldUpstreamBody(long declaredLength) : WriteOnlyStream
{
    private readonly PooledBufferWriter _body = new((int)Math.Max(declaredLength, 1));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_body.Written.Length + buffer.Length > declaredLength)
        {
            // HttpClient enforces the declared length; this is the stage's own guard that the body stays small.
            throw new IOException("The CRM sent more than its Content-Length.");
        }
        buffer.Span.CopyTo(_body.GetSpan(buffer.Length));
        _body.Advance(buffer.Length);
        return ValueTask.CompletedTask;
    }

    /// <summary>The collected body, to be read by the masker.</summary>
    public Stream ReadBack() => _body.AsReadOnlyStream();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body.Dispose();
        }
        base.Dispose(disposing);
    }
}
