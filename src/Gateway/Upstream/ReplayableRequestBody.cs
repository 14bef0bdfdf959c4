using System.Net;

namespace Gateway.Upstream;

/// <summary>
/// Lets the gateway send a request to the CRM a second time (after a 401, with a renewed
/// credential). YARP's request content reads the client's body once; a body the gateway holds
/// whole (a seekable stream, as the WholeRequestBody stage leaves it) is instead sent from the
/// start on every attempt. A body that is not held cannot be sent twice.
/// </summary>
internal static class ReplayableRequestBody
{
    private static readonly HttpRequestOptionsKey<Stream> HeldBody = new("Gateway.Upstream.HeldRequestBody");

    /// <summary>From a request transform: records the client's body when it can be read again.</summary>
    public static void Offer(HttpContext context, HttpRequestMessage proxyRequest)
    {
        if (context.Request.Body is { CanSeek: true } body)
        {
            proxyRequest.Options.Set(HeldBody, body);
        }
    }

    /// <summary>
    /// Before the first attempt: replaces YARP's one-shot content with one over the held body,
    /// same headers. False when the request has a body that cannot be sent twice.
    /// </summary>
    public static bool Prepare(HttpRequestMessage request)
    {
        if (request.Content is null)
        {
            return true;
        }
        if (!request.Options.TryGetValue(HeldBody, out var body))
        {
            return false;
        }
        var replayable = new HeldBodyContent(body);
        foreach (var header in request.Content.Headers.NonValidated)
        {
            replayable.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
        request.Content = replayable;
        return true;
    }

    private sealed class HeldBodyContent(Stream body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            body.Position = 0;
            await body.CopyToAsync(stream, cancellationToken);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }

        // The held body belongs to the stage that read it, which releases it after the response.
        protected override void Dispose(bool disposing)
        {
        }
    }
}
