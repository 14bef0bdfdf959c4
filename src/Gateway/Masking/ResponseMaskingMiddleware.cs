using Gateway.Pipeline;
using Gateway.Routing;
using Gateway.Telemetry;

namespace Gateway.Masking;

/// <summary>
/// The masking stage. Chooses, before forwarding, how the response will be masked (entity by
/// route, view by the caller's roles and MFA, the request's consent gate) and makes the
/// <see cref="MaskedResponse"/> that owns it; after forwarding, has it complete the response.
/// </summary>
internal sealed class ResponseMaskingMiddleware(
    RequestDelegate next,
    RulesProvider rules,
    GatewayMetrics metrics,
    ILogger<ResponseMaskingMiddleware> logger)
{
    private const string Stage = "masking";
    private static readonly IReadOnlySet<string> NoRoles = new HashSet<string>();

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<Yarp.ReverseProxy.Model.RouteModel>() is null)
        {
            // Not a proxied route: nothing will be forwarded, routing answers 404.
            await next(context);
            return;
        }
        var feature = GatewayRequestFeature.GetOrCreate(context);
        var current = rules.Current;
        var entity = current.EntityFor(context.Request.Path.Value ?? "/");
        if (entity is null)
        {
            if (rules.BlocksUnknownRoutes)
            {
                metrics.RequestRefused(Stage, "route_not_covered");
                await GatewayProblem.RefuseAsync(context, Stage, StatusCodes.Status403Forbidden, "route_not_covered",
                    "No masking rule covers this route, so its data cannot leave the gateway.");
                return;
            }
            await next(context);
            return;
        }

        // No identity only when the identity stage is switched off: an anonymous caller has no
        // role, so every class gets the rules' default action.
        var view = feature.Identity is { } identity ? current.ViewFor(identity.Roles, identity.MfaUsed) : current.ViewFor(NoRoles, mfaUsed: false);
        var route = context.GetEndpoint()?.Metadata.GetMetadata<RoutePolicy>() ?? RoutePolicy.Default;
        var masked = new MaskedResponse(context, rules.Masker, current, entity, view, feature.ConsentGate, feature.Quota, route, metrics, logger);
        feature.MaskedResponse = masked;
        feature.Consent = feature.ConsentGate?.Report;
        try
        {
            await next(context);
        }
        finally
        {
            masked.EndForwarding();
        }
        if (await masked.CompleteAsync() is { } report)
        {
            feature.MaskingReport = report;
            metrics.ValuesMasked(report.MaskedByClassAndAction);
        }
    }
}
