using Gateway.Masking;
using Gateway.Masking.Rules;
using Gateway.Masking.Writes;
using Gateway.Pipeline;
using Gateway.Routing;
using Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace Gateway.WritePolicy;

/// <summary>
/// Who may change what. Before forwarding, decides the request's operation (by method, or as its
/// route declares), refuses one the caller's role may not perform on the route's entity, and for
/// create and update judges the whole body the guard holds (<see cref="WriteJudge.Decide"/>): every
/// field it writes must be of a class the role may write (some only with MFA). A body it cannot
/// judge is refused, never forwarded unchecked; a body it allows goes to the CRM byte for byte.
/// Every write leaves a <see cref="WriteReport"/> for the audit event, allowed or refused.
/// </summary>
internal sealed partial class WritePolicyMiddleware(
    RequestDelegate next,
    RulesProvider rules,
    IOptions<WritePolicyOptions> options,
    GatewayMetrics metrics,
    ILogger<WritePolicyMiddleware> logger)
{
    private const string Stage = "write_policy";
    private static readonly IReadOnlySet<string> NoRoles = new HashSet<string>();
    private readonly WritePolicyOptions _options = options.Value;
    private readonly WriteJudge _judge = new(new WriteLimits { MaxDepth = options.Value.MaxDepth, MaxReportedFields = options.Value.MaxReportedFields });

    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<Yarp.ReverseProxy.Model.RouteModel>() is null)
        {
            return next(context);
        }
        var feature = GatewayRequestFeature.GetOrCreate(context);
        var route = endpoint.Metadata.GetMetadata<RoutePolicy>() ?? RoutePolicy.Default;
        var request = context.Request;
        var operation = route.OperationFor(request.Method);
        feature.Operation = operation;
        var current = rules.Current;
        var path = request.Path.Value ?? "/";

        if (current.EntityFor(path) is not { } entity)
        {
            if (operation == RecordOperation.Read)
            {
                // Reads of uncovered routes are the masking stage's to decide (Gateway:Masking:UnknownRoutes).
                return next(context);
            }
            var uncovered = WriteReport.WithoutBody(current.Version, null, operation.Name(), null, _options.AllowsUncoveredRoutes ? null
                : new WriteRefusal(WriteRefusals.RouteNotCoveredForWrite,
                    $"No rules entity covers this route, so the gateway cannot say who may {operation.Name()} here; the request is refused."));
            return Continue(context, feature, uncovered);
        }

        if (request.Headers.ContentType.Count > 1 || request.Headers.ContentEncoding.Count > 1)
        {
            // Two headers could be read two ways; the CRM might read the other one.
            return Continue(context, feature, WriteReport.WithoutBody(current.Version, entity.Name, operation.Name(), null,
                WriteRefusals.NotJudgeable(WriteRefusals.ContentType, "The request has more than one Content-Type or Content-Encoding header.")));
        }
        var identity = feature.Identity;
        var report = _judge.Decide(current, entity, current.PermissionsFor(identity?.Roles ?? NoRoles), identity?.MfaUsed ?? false, operation,
            request.Method, request.Headers.ContentType.Count == 1 ? request.Headers.ContentType[0] : null,
            request.Headers.ContentEncoding.Count == 1 ? request.Headers.ContentEncoding[0] : null,
            feature.RequestBody ?? ReadOnlyMemory<byte>.Empty, entity.SubjectFromPath(path), _options.MaxBodyBytes ?? long.MaxValue);
        return report is null ? next(context) : Continue(context, feature, report);
    }

    /// <summary>Records the report for the audit event (reads refused leave none), then forwards or refuses.</summary>
    private Task Continue(HttpContext context, IGatewayRequestFeature feature, WriteReport report)
    {
        var operation = feature.Operation;
        if (operation != RecordOperation.Read)
        {
            feature.WriteReport = report;
        }
        if (report.Refusal is not { } refusal)
        {
            return next(context);
        }
        var status = refusal.Reason == WriteRefusals.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status403Forbidden;
        metrics.RequestRefused(Stage, refusal.Code);
        LogRefused(logger, refusal.Code, refusal.Reason);
        return GatewayProblem.RefuseAsync(context, Stage, status, refusal.Code, refusal.Detail, reason: refusal.Reason);
    }

    [LoggerMessage(EventId = 1901, Level = LogLevel.Information, Message = "Request refused by the write policy: {Code} ({Reason})")]
    private static partial void LogRefused(ILogger logger, string code, string? reason);
}
