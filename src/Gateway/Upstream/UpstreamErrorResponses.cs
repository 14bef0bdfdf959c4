using Gateway.Pipeline;
using Gateway.Telemetry;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Upstream;

/// <summary>
/// When forwarding failed before anything reached the client, YARP leaves a bare 502 or 504:
/// this gives it the problem+json body and reason code every other refusal has, and logs which
/// way the CRM failed (never the request or response). A credential the CRM refused, or one the
/// gateway could not obtain, gets its own code (<see cref="UpstreamCredentialException"/>): the
/// CRM's 401 and its WWW-Authenticate never reach the client.
/// </summary>
internal sealed partial class UpstreamErrorResponses(RequestDelegate next, GatewayMetrics metrics, ILogger<UpstreamErrorResponses> logger)
{
    private const string Stage = "upstream";

    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (context.Response.HasStarted || context.Features.Get<IForwarderErrorFeature>() is not { Error: not ForwarderError.None } failure)
        {
            return;
        }
        if (failure.Error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled
            || context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody reads an answer.
            return;
        }
        var (status, reason, detail) = Describe(failure);
        LogFailed(logger, failure.Error, reason, failure.Exception?.GetType().Name ?? "none");
        metrics.RequestRefused(Stage, reason);
        context.Response.Headers.Clear();
        if (failure.Exception is UpstreamCredentialException { RetryAfter: { } retryAfter })
        {
            context.Response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await GatewayProblem.RefuseAsync(context, Stage, status, reason, detail);
    }

    private static (int Status, string Reason, string Detail) Describe(IForwarderErrorFeature failure) => failure.Error switch
    {
        ForwarderError.RequestTimedOut => (StatusCodes.Status504GatewayTimeout, "upstream_timeout", "The CRM did not answer in time."),
        ForwarderError.NoAvailableDestinations => (StatusCodes.Status503ServiceUnavailable, "upstream_unavailable", "No CRM destination is available."),
        ForwarderError.Request => RequestFailure(failure.Exception),
        ForwarderError.ResponseHeaders => (StatusCodes.Status502BadGateway, "upstream_response_invalid", "The CRM sent response headers that cannot be passed on."),
        ForwarderError.RequestBodyClient => (StatusCodes.Status400BadRequest, "request_body_incomplete", "The request body did not arrive whole."),
        ForwarderError.RequestBodyDestination => (StatusCodes.Status502BadGateway, "upstream_request_body_failed", "The CRM stopped reading the request body."),
        ForwarderError.ResponseBodyDestination => (StatusCodes.Status502BadGateway, "upstream_body_incomplete", "The CRM's response body did not arrive whole."),
        _ => (StatusCodes.Status502BadGateway, "upstream_failed", "The request could not be forwarded to the CRM."),
    };

    private static (int Status, string Reason, string Detail) RequestFailure(Exception? exception) =>
        exception is UpstreamCredentialException credential ? (credential.Status, credential.Code, credential.Message) : TransportFailure(exception);

    private static (int Status, string Reason, string Detail) TransportFailure(Exception? exception) =>
        (exception as HttpRequestException ?? exception?.InnerException as HttpRequestException)?.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError =>
                (StatusCodes.Status502BadGateway, "upstream_unreachable", "The CRM could not be reached."),
            HttpRequestError.SecureConnectionError =>
                (StatusCodes.Status502BadGateway, "upstream_tls_failed", "The TLS connection to the CRM could not be established."),
            HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded =>
                (StatusCodes.Status502BadGateway, "upstream_response_invalid", "The CRM sent a response that is not valid HTTP."),
            _ => (StatusCodes.Status502BadGateway, "upstream_failed", "The request could not be forwarded to the CRM."),
        };

    [LoggerMessage(EventId = 1310, Level = LogLevel.Warning, Message = "Forwarding to the CRM failed ({Error}, {Exception}); {Reason} sent")]
    private static partial void LogFailed(ILogger logger, ForwarderError error, string reason, string exception);
}
