namespace Gateway.Masking;

/// <summary>
/// The masked body on its way to the client. Up to <see cref="HeldBytes"/> of it is held, so that
/// a body that ends within them goes out at once with a <c>Content-Length</c>; beyond that it is
/// streamed (chunked). Streamed, even a 1 KB body went out chunked, and its closing chunk cost a
/// TLS record and a flush of its own: more than masking it. A small body that cannot be masked
/// also always gets a clean 502 or 451, since nothing of it was sent.
/// </summary>
internal sealed class ClientBodyStream(HttpResponse response, Stream client) : WriteOnlyStream
{
    public const int HeldBytes = 32 * 1024;

    private PooledBufferWriter? _held = new(4096);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_held is { } held && held.Written.Length + buffer.Length <= HeldBytes)
        {
            buffer.Span.CopyTo(held.GetSpan(buffer.Length));
            held.Advance(buffer.Length);
            return;
        }
        if (_held is not null)
        {
            await client.WriteAsync(_held.Written, cancellationToken);
            ReleaseHeld();
        }
        await client.WriteAsync(buffer, cancellationToken);
    }

    /// <summary>The body is complete: a held one goes out now, with its length.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_held is { } held)
        {
            response.ContentLength = held.Written.Length;
            await client.WriteAsync(held.Written, cancellationToken);
            ReleaseHeld();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ReleaseHeld();
        }
        base.Dispose(disposing);
    }

    private void ReleaseHeld()
    {
        _held?.Dispose();
        _held = null;
    }
}
