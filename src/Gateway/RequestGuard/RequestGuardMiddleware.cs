using Gateway.Pipeline;
using Gateway.Telemetry;
using Gateway.Transport;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Gateway.RequestGuard;

/// <summary>
/// Refuses, before routing, every request whose method, scheme, target or framing the gateway
/// cannot judge unambiguously. Nothing refused here reaches the CRM.
/// </summary>
internal sealed partial class RequestGuardMiddleware
{
    private const string Stage = "request_guard";

    private readonly RequestDelegate _next;
    private readonly HashSet<string> _allowedMethods;
    private readonly long _maxBodyBytes;
    private readonly AllowedHosts _allowedHosts;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<RequestGuardMiddleware> _logger;

    public RequestGuardMiddleware(RequestDelegate next, IOptions<RequestGuardOptions> options, AllowedHosts allowedHosts, GatewayMetrics metrics, ILogger<RequestGuardMiddleware> logger)
    {
        _next = next;
        _allowedHosts = allowedHosts;
        _allowedMethods = new HashSet<string>(options.Value.EffectiveAllowedMethods, StringComparer.Ordinal);
        _maxBodyBytes = options.Value.MaxRequestBodyBytes;
        _metrics = metrics;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.IsHttps)
        {
            return RefuseAsync(context, StatusCodes.Status403Forbidden, "insecure_scheme", "Plain HTTP is refused; use HTTPS.");
        }
        if (!_allowedHosts.Allows(request.Host))
        {
            return RefuseAsync(context, StatusCodes.Status421MisdirectedRequest, "host_not_allowed", "The request's Host does not name this gateway.");
        }
        if (!_allowedMethods.Contains(request.Method))
        {
            context.Response.Headers.Allow = string.Join(", ", _allowedMethods);
            return RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, "method_not_allowed", "This method is not allowed through the gateway.");
        }
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? string.Empty;
        if (RequestTargetInspector.Inspect(rawTarget) is { } reason)
        {
            return RefuseAsync(context, StatusCodes.Status400BadRequest, reason, "The request target uses a form the gateway does not accept (encoded separators, dot segments, a fragment or ambiguous encodings).");
        }
        if (MethodOverride.IsRequested(request.Headers, request.QueryString))
        {
            return RefuseAsync(context, StatusCodes.Status400BadRequest, "method_override_refused",
                $"Method overrides ({string.Join(", ", MethodOverride.Headers)}, or a _method or _HttpMethod query parameter) are refused: send the method itself.");
        }
        if (context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true)
        {
            return RefuseAsync(context, StatusCodes.Status400BadRequest, "upgrade_not_allowed", "Protocol upgrades (WebSocket, h2c) are not allowed: their traffic would bypass masking.");
        }
        if (request.ContentLength > _maxBodyBytes)
        {
            return RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, "body_too_large", $"The request body exceeds {_maxBodyBytes} bytes.");
        }
        return _next(context);
    }

    private Task RefuseAsync(HttpContext context, int status, string reason, string detail)
    {
        _metrics.RequestRefused(Stage, reason);
        LogRefused(_logger, context.Request.Method, status, reason);
        return GatewayProblem.RefuseAsync(context, Stage, status, reason, detail);
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Request refused by the request guard: {Method} -> {Status} ({Reason})")]
    private static partial void LogRefused(ILogger logger, string method, int status, string reason);
}
