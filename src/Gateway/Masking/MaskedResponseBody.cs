using Gateway.Masking;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Masking;

/// <summary>Masks a CRM body, decoded where it came compressed, onto the client's response.</summary>
internal static class MaskedResponseBody
{
    public static async Task<MaskingReport> WriteAsync(JsonMasker masker, Stream upstream, HttpResponse response, ResponseMaskingContext masking, bool lines, CancellationToken cancellationToken)
    {
        var client = masking.ClientBody ?? throw new InvalidOperationException("The client's body stream was not kept.");
        // NDJSON is often a feed: each line goes out as soon as it is masked.
        using var held = lines ? null : new ClientBodyStream(response, client);
        await using var body = Decoded(upstream, masking.ContentEncoding);
        var report = await masker.MaskAsync(body, (Stream?)held ?? client, masking.Rules, masking.Entity, masking.View, cancellationToken, lines, masking.Gate);
        if (response.HttpContext.Features.Get<IForwarderErrorFeature>() is { Error: not ForwarderError.None })
        {
            // YARP stopped reading the CRM early; what it passed on may still parse as whole JSON.
            throw new IOException("The CRM body did not arrive whole.");
        }
        if (held is not null)
        {
            await held.CompleteAsync(cancellationToken);
        }
        return report;
    }

    private static Stream Decoded(Stream body, string? encoding) => ContentCodings.Decoder(body, encoding);
}
