using Gateway.Audit;
using Gateway.Consent;
using Gateway.Masking;
using Gateway.Pipeline;
using Gateway.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Masking;

/// <summary>
/// Chooses, before forwarding, how the response will be masked (entity by route, view by the
/// caller's roles and MFA); after forwarding, waits for the masked body. A body that cannot be
/// masked is never sent: 502 if nothing was sent yet, otherwise the connection is aborted.
/// </summary>
internal sealed partial class ResponseMaskingMiddleware(
    RequestDelegate next,
    RulesProvider rules,
    GatewayMetrics metrics,
    ILogger<ResponseMaskingMiddleware> logger)
{
    private const string Stage = "masking";
    private const string ConsentStage = "consent";
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
        var masking = new ResponseMaskingContext(current, entity, view)
        {
            Gate = feature.ConsentGate,
        };
        feature.Consent = masking.Gate?.Report;
        context.Features.Set(masking);
        try
        {
            await next(context);
        }
        finally
        {
            // YARP is done writing: the masking task sees the body's end, and whatever this stage
            // writes from here on (a refusal) goes to the client, not into a handoff nobody reads.
            masking.Body?.CompleteWriter();
            if (masking.ClientBody is { } client)
            {
                context.Response.Body = client;
            }
        }
        if (masking.Guarded is { } guarded)
        {
            await CompleteGuardedAsync(context, feature, guarded);
            return;
        }
        try
        {
            if (masking.HeldBody is { } held)
            {
                feature.MaskingReport = await MaskedResponseBody.WriteAsync(rules.Masker, held.ReadBack(), context.Response, masking, lines: false, context.RequestAborted);
            }
            else if (masking.Masking is not null)
            {
                feature.MaskingReport = await masking.Masking;
            }
        }
        catch (RecordWithheldException)
        {
            // The body was one record, held whole until its verdict: nothing of it was sent.
            metrics.RequestRefused(ConsentStage, "no_lawful_basis");
            if (context.Response.HasStarted)
            {
                feature.Deny(ConsentStage, "no_lawful_basis");
                context.Abort();
                return;
            }
            context.Response.Headers.Clear();
            await GatewayProblem.RefuseAsync(context, ConsentStage, StatusCodes.Status451UnavailableForLegalReasons, "no_lawful_basis",
                "The data subject has given no lawful basis for this purpose, so the record cannot be sent.");
        }
        catch (Exception ex) when (ex is MaskingException or IOException or InvalidDataException)
        {
            var reason = ex is MaskingException masked ? masked.Reason : "body_unreadable";
            metrics.RequestRefused(Stage, reason);
            feature.Deny(Stage, reason);
            LogFailed(logger, reason, context.Response.HasStarted);
            if (context.Response.HasStarted)
            {
                context.Abort();
                return;
            }
            context.Response.Headers.Clear();
            await GatewayProblem.RefuseAsync(context, Stage, StatusCodes.Status502BadGateway, reason, "The CRM response could not be masked, so it was not sent.");
        }
    }

    private async Task CompleteGuardedAsync(HttpContext context, IGatewayRequestFeature feature, GuardedBody guarded)
    {
        if (!guarded.Violated)
        {
            if (guarded is PassThroughBody passed)
            {
                await passed.CompleteAsync(context.RequestAborted);
            }
            return;
        }
        metrics.RequestRefused(Stage, guarded.ReasonCode);
        LogFailed(logger, guarded.ReasonCode, context.Response.HasStarted);
        if (context.Response.HasStarted)
        {
            feature.Deny(Stage, guarded.ReasonCode);
            context.Abort();
            return;
        }
        context.Response.Headers.Clear();
        await GatewayProblem.RefuseAsync(context, Stage, StatusCodes.Status502BadGateway, guarded.ReasonCode, guarded.Detail);
    }

    [LoggerMessage(EventId = 1610, Level = LogLevel.Warning, Message = "A CRM response could not be masked ({Reason}); {Outcome}")]
    private static partial void LogFailedCore(ILogger logger, string reason, string outcome);

    private static void LogFailed(ILogger logger, string reason, bool started) =>
        LogFailedCore(logger, reason, started ? "the connection was aborted mid-body" : "502 sent instead");
}
