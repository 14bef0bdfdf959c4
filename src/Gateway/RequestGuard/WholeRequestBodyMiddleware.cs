using Gateway.Masking;
using Gateway.Pipeline;
using Gateway.Telemetry;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.RequestGuard;

/// <summary>
/// Reads a proxied request's whole body (at most <c>MaxRequestBodyBytes</c>, which Kestrel
/// enforces) before anything is forwarded. A body that is too large or does not arrive whole is
/// refused while the CRM has seen nothing of the request; streamed, YARP would already have sent
/// the headers and the first bytes, and the CRM would be left with an aborted request. Runs after
/// the identity stage, so only authenticated callers make the gateway hold a body.
/// </summary>
internal sealed partial class WholeRequestBodyMiddleware(RequestDelegate next, GatewayMetrics metrics, ILogger<WholeRequestBodyMiddleware> logger)
{
    private const string Stage = "request_guard";
    private const int ReadBytes = 16 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true
            || context.GetEndpoint()?.Metadata.GetMetadata<Yarp.ReverseProxy.Model.RouteModel>() is null)
        {
            await next(context);
            return;
        }
        using var body = new PooledBufferWriter((int)Math.Min(context.Request.ContentLength ?? ReadBytes, ReadBytes * 4));
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(body.GetMemory(ReadBytes), context.RequestAborted)) > 0)
            {
                body.Advance(read);
            }
        }
        catch (BadHttpRequestException ex)
        {
            var (status, reason, detail) = ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? (StatusCodes.Status413PayloadTooLarge, "body_too_large", "The request body exceeds the gateway's limit.")
                : (StatusCodes.Status400BadRequest, "request_body_incomplete", "The request body did not arrive whole or is malformed.");
            metrics.RequestRefused(Stage, reason);
            LogRefused(logger, status, reason);
            await GatewayProblem.RefuseAsync(context, Stage, status, reason, detail);
            return;
        }
        context.Request.Body = body.AsReadOnlyStream();
        var feature = GatewayRequestFeature.GetOrCreate(context);
        feature.RequestBody = body.Written;
        try
        {
            await next(context);
        }
        finally
        {
            // The buffer goes back to the pool when this returns: nobody may read it after.
            feature.RequestBody = null;
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Request body refused before forwarding: {Status} ({Reason})")]
    private static partial void LogRefused(ILogger logger, int status, string reason);
}
