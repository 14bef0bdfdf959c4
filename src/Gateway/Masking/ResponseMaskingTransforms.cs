using Gateway.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Masking;

/// <summary>
/// On masked requests: asks the CRM for an uncompressed, whole body; then lets through only
/// bodies the masker can read (JSON, not partial, in a known encoding) and routes them through it.
/// </summary>
internal sealed class ResponseMaskingTransforms(RulesProvider rules) : ITransformProvider
{
    private const string Stage = "masking";
    private const string ConsentStage = "consent";

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.AddRequestTransform(transform =>
        {
            if (transform.HttpContext.Features.Get<ResponseMaskingContext>() is not null)
            {
                var headers = transform.ProxyRequest.Headers;
                // As raw text: the typed collection would parse what the client sent, only to clear it.
                headers.Remove(HeaderNames.AcceptEncoding);
                headers.TryAddWithoutValidation(HeaderNames.AcceptEncoding, "identity");
                headers.Range = null;
                headers.Remove(HeaderNames.IfRange);
            }
            return ValueTask.CompletedTask;
        });
        context.AddResponseTransform(async transform =>
        {
            if (transform.HttpContext.Features.Get<ResponseMaskingContext>() is { } masking && transform.ProxyResponse is { } response)
            {
                await RouteBodyThroughMaskerAsync(transform, masking, response);
            }
        });
    }

    private async Task RouteBodyThroughMaskerAsync(ResponseTransformContext transform, ResponseMaskingContext masking, HttpResponseMessage response)
    {
        var http = transform.HttpContext;
        if (UpstreamFraming.Contradiction(http.Request.Method, response) is { } contradiction)
        {
            await RefuseAsync(transform, StatusCodes.Status502BadGateway, UpstreamFraming.ReasonCode, contradiction);
            return;
        }
        if (!UpstreamFraming.MayHaveBody(http.Request.Method, response.StatusCode) || response.Content.Headers.ContentLength == 0)
        {
            // Declared empty; the HTTP client reads no more than declared, and the guard sees to it that nothing does.
            Guard(http, masking, new EmptyOnlyBody(UpstreamFraming.ReasonCode, "The CRM sent a body where its response declared none."));
            return;
        }
        if (IsDeclaredPassThrough(http, response))
        {
            if (masking.Gate is not null)
            {
                // Records the gateway cannot read cannot be shown to have a lawful basis.
                await RefuseAsync(transform, StatusCodes.Status451UnavailableForLegalReasons, "consent_not_checkable",
                    "This response's format cannot be checked for consent, and its purpose requires consent.", ConsentStage);
                return;
            }
            Guard(http, masking, new PassThroughBody(http.Response.Body));
            return;
        }
        var lines = IsNdjson(response.Content.Headers.ContentType?.MediaType) && RouteMetadata(http, MaskNdjsonMetadata) == "true";
        if (Refusal(response, lines) is { } refusal)
        {
            await RefuseAsync(transform, StatusCodes.Status502BadGateway, refusal.Reason, refusal.Detail);
            return;
        }
        http.Response.Headers.ContentLength = null;
        http.Response.Headers.Remove(HeaderNames.ContentEncoding);
        http.Response.Headers.Remove(HeaderNames.ContentMD5);
        http.Response.Headers.Remove(HeaderNames.ETag);

        masking.ClientBody = http.Response.Body;
        masking.ContentEncoding = response.Content.Headers.ContentEncoding.SingleOrDefault();
        if (!lines && response.Content.Headers.ContentLength is { } length && length <= ClientBodyStream.HeldBytes)
        {
            masking.HeldBody = new HeldUpstreamBody(length);
            // The response returns its pooled buffer however the request ends, YARP throwing included.
            http.Response.RegisterForDispose(masking.HeldBody);
            http.Response.Body = masking.HeldBody;
            return;
        }
        var handoff = new BodyHandoff();
        http.Response.Body = handoff.Writer;
        masking.Body = handoff;
        masking.Masking = MaskStreamedAsync(handoff, http.Response, masking, lines, http.RequestAborted);
    }

    private static void Guard(HttpContext http, ResponseMaskingContext masking, GuardedBody guarded)
    {
        masking.ClientBody = http.Response.Body;
        masking.Guarded = guarded;
        http.Response.Body = guarded;
    }

    private static Task RefuseAsync(ResponseTransformContext transform, int status, string reason, string detail, string stage = Stage)
    {
        transform.SuppressResponseBody = true;
        transform.HttpContext.Response.Headers.Clear();
        return GatewayProblem.RefuseAsync(transform.HttpContext, stage, status, reason, detail);
    }

    private async Task<Masking.MaskingReport> MaskStreamedAsync(BodyHandoff handoff, HttpResponse response, ResponseMaskingContext masking, bool lines, CancellationToken cancellationToken)
    {
        try
        {
            return await MaskedResponseBody.WriteAsync(rules.Masker, handoff.Reader, response, masking, lines, cancellationToken);
        }
        finally
        {
            // Whatever happened, YARP must not block writing a body nobody reads any more.
            handoff.CompleteReader();
        }
    }

    /// <summary>
    /// A route may declare content types it passes unmasked (YARP route metadata
    /// <c>MaskingPassThrough: "text/csv, application/pdf"</c>): an operator's explicit decision,
    /// never a default. JSON is always masked, even if declared.
    /// </summary>
    private static bool IsDeclaredPassThrough(HttpContext http, HttpResponseMessage response)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is null || IsJson(mediaType) || IsNdjson(mediaType) || RouteMetadata(http, PassThroughMetadata) is not { } declared)
        {
            return false;
        }
        return declared.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Contains(mediaType, StringComparer.OrdinalIgnoreCase);
    }

    private const string PassThroughMetadata = "MaskingPassThrough";

    /// <summary>Route metadata <c>MaskNdjson: "true"</c>: newline-delimited JSON is masked line by line (otherwise it is blocked).</summary>
    private const string MaskNdjsonMetadata = "MaskNdjson";

    private static string? RouteMetadata(HttpContext http, string key) =>
        http.GetEndpoint()?.Metadata.GetMetadata<Yarp.ReverseProxy.Model.RouteModel>()?.Config.Metadata?.GetValueOrDefault(key);

    private static bool IsNdjson(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/jsonl", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/x-jsonlines", StringComparison.OrdinalIgnoreCase));

    private static bool IsJson(string mediaType) =>
        mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);

    private static (string Reason, string Detail)? Refusal(HttpResponseMessage response, bool lines)
    {
        if (response.StatusCode == System.Net.HttpStatusCode.PartialContent || response.Content.Headers.ContentRange is not null)
        {
            return ("partial_content_not_masked", "The CRM sent part of a body, which cannot be masked.");
        }
        var encodings = response.Content.Headers.ContentEncoding;
        if (encodings.Count > 1 || (encodings.Count == 1 && !ContentCodings.IsDecodable(encodings.Single())))
        {
            return ("encoding_not_supported", "The CRM sent a body in an encoding the gateway cannot decode for masking.");
        }
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var charset = response.Content.Headers.ContentType?.CharSet;
        if (mediaType is null || !(IsJson(mediaType) || lines) || (charset is not null && !charset.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase)))
        {
            return ("content_type_not_masked", "The CRM sent a body that is not UTF-8 JSON; only JSON can be masked on this route.");
        }
        return null;
    }
}
