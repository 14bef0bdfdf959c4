using Gateway.Masking;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Audit;

/// <summary>
/// Holds back the end of a response until the audit stage lets it go, so that a client never has
/// a complete response whose event is not yet kept. The event describes the response (its status,
/// what was masked, whether it was aborted), so it can only be made once the body is written; what
/// is held is the one thing that completes the response for a client:
/// <list type="bullet">
/// <item>with a <c>Content-Length</c>, the body's last byte (a client that gets all but one byte
/// has an incomplete response, and reports it as such when the connection drops);</item>
/// <item>without one (chunked, or HTTP/2), the end of the body, which the server sends only once the
/// pipeline returns: <c>CompleteAsync</c> on this feature does not complete the real response;</item>
/// <item>a response with no body at all (a 404 from routing, a 204, a HEAD): its headers, which are
/// sent only once a body byte is written or the pipeline returns; a flush before is not passed on.</item>
/// </list>
/// Installed as the response body feature over the server's; taken out again before the response ends.
/// </summary>
internal sealed class ResponseEndHold : WriteOnlyStream
{
    private readonly HttpContext _context;
    private readonly IHttpResponseBodyFeature _server;
    private readonly StreamResponseBodyFeature _feature;
    private long _written;
    private byte? _held;

    private ResponseEndHold(HttpContext context, IHttpResponseBodyFeature server)
    {
        _context = context;
        _server = server;
        _feature = new StreamResponseBodyFeature(this, server);
    }

    public static ResponseEndHold Install(HttpContext context)
    {
        var hold = new ResponseEndHold(context, context.Features.GetRequiredFeature<IHttpResponseBodyFeature>());
        context.Features.Set<IHttpResponseBodyFeature>(hold._feature);
        return hold;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_held is { } earlier)
        {
            // More than the declared length: the server refuses it, as it would have without the hold.
            _held = null;
            await _server.Stream.WriteAsync(new[] { earlier }, cancellationToken);
        }
        if (!buffer.IsEmpty && _context.Response.ContentLength is { } length && _written + buffer.Length == length)
        {
            await _server.Stream.WriteAsync(buffer[..^1], cancellationToken);
            _held = buffer.Span[^1];
        }
        else
        {
            await _server.Stream.WriteAsync(buffer, cancellationToken);
        }
        _written += buffer.Length;
    }

    /// <summary>Not passed on before a body byte is written: for a response without a body, its headers are all of it.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _written == 0 ? Task.CompletedTask : _server.Stream.FlushAsync(cancellationToken);

    /// <summary>Once the pipeline is done: what the pipeline's writer still buffers is written through here (and held as above).</summary>
    public Task DrainWriterAsync() => _feature.CompleteAsync();

    /// <summary>Puts the server's body feature back; the response has not ended yet.</summary>
    public void Uninstall()
    {
        _context.Features.Set(_server);
        _feature.Dispose();
    }

    /// <summary>The event is kept: the held byte goes out, and the server ends the response when the pipeline returns.</summary>
    public async Task ReleaseAsync()
    {
        if (_held is { } last)
        {
            _held = null;
            await _server.Stream.WriteAsync(new[] { last }, _context.RequestAborted);
        }
    }
}
