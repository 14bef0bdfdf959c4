using Gateway.Pipeline;
using Gateway.Telemetry;

namespace Gateway.Quota;

/// <summary>
/// After identity, before anything is forwarded: a request whose caller has budgets is checked
/// (one Redis round trip) and refused with 429 when one is spent; an allowed one carries its quota
/// on the request feature, where the masking stage finds the gate that counts the response's
/// records and clear values and holds back what exceeds their budgets.
/// </summary>
internal sealed partial class QuotaMiddleware(RequestDelegate next, QuotaPolicy policy, QuotaChecker checker, GatewayMetrics metrics, ILogger<QuotaMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<Yarp.ReverseProxy.Model.RouteModel>() is null)
        {
            return next(context);
        }
        var feature = GatewayRequestFeature.GetOrCreate(context);
        var identity = feature.Identity ?? throw new InvalidOperationException("The quota stage runs after the identity stage.");
        var limits = policy.For(identity);
        return limits.Any ? CheckThenForwardAsync(context, feature, identity.Subject, limits) : next(context);
    }

    private async Task CheckThenForwardAsync(HttpContext context, IGatewayRequestFeature feature, string principal, QuotaLimits limits)
    {
        var quota = await checker.CheckAsync(principal, limits);
        feature.Quota = quota;
        if (quota.Refusal is { } refusal)
        {
            LogRefused(logger, refusal.Status, refusal.Code);
            await refusal.RefuseAsync(context, metrics);
            return;
        }
        try
        {
            await next(context);
        }
        finally
        {
            quota.End();
        }
    }

    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Request refused by the quota stage: {Status} ({Reason})")]
    private static partial void LogRefused(ILogger logger, int status, string reason);
}
