using System.Diagnostics;
using Gateway.Pipeline;
using Gateway.Purpose;
using Gateway.Telemetry;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Gateway.Audit;

/// <summary>
/// The outermost stage: every request on the proxy port, whatever later stages decide, becomes one
/// audit event, numbered and queued once the response body is written. With <c>Durability</c>
/// spooled or stream the end of the response is held (<see cref="ResponseEndHold"/>) until the
/// event is fsynced or in Redis; an event that will never be kept aborts the connection instead.
/// A fail-closed gateway whose audit trail cannot record refuses the request before any CRM data
/// is fetched.
/// </summary>
internal sealed class AuditMiddleware(RequestDelegate next, IAuditTrail trail, IOptions<AuditOptions> options, GatewayMetrics metrics, TimeProvider time)
{
    public const string Stage = "audit";
    private const int MaxQueryKeys = 32;
    private const int MaxPathChars = 2048;

    /// <summary>A User-Agent is the client's to choose: only this much of it reaches the event.</summary>
    internal const int MaxUserAgentChars = 256;
    private const int MaxQueryKeyChars = 64;
    private static readonly System.Buffers.SearchValues<char> QueryKeyCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.[]");
    private readonly bool _failsClosed = options.Value.FailsClosed;
    private readonly bool _holdsResponseEnd = options.Value.DurabilityLevel != AuditDurability.Queued;

    public async Task InvokeAsync(HttpContext context)
    {
        var started = time.GetTimestamp();
        var feature = GatewayRequestFeature.GetOrCreate(context);
        var hold = _holdsResponseEnd ? ResponseEndHold.Install(context) : null;
        var failed = true;
        try
        {
            if (_failsClosed && !trail.CanAccept)
            {
                await GatewayProblem.RefuseAsync(context, Stage, StatusCodes.Status503ServiceUnavailable, "audit_unavailable",
                    "The audit trail cannot record requests right now, so none are served.");
            }
            else
            {
                await next(context);
            }
            failed = false;
        }
        finally
        {
            metrics.RequestEnded(failed ? "failed" : feature.DeniedBy is null ? "served" : "refused", feature.DeniedBy, feature.DenialReason);
            if (hold is null)
            {
                await trail.RecordAsync(Describe(context, feature, failed, time.GetElapsedTime(started)));
            }
            else
            {
                await RecordThenReleaseAsync(context, feature, hold, failed, started);
            }
        }
    }

    /// <summary>
    /// The body is written up to what the hold keeps back; the event is recorded and waited for, and
    /// only then does the response end. A failed pipeline's response is never completed here: the
    /// server answers 500, or aborts a response that had started.
    /// </summary>
    private async Task RecordThenReleaseAsync(HttpContext context, IGatewayRequestFeature feature, ResponseEndHold hold, bool failed, long started)
    {
        if (!failed)
        {
            try
            {
                await hold.DrainWriterAsync();
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException)
            {
                // The client went away: the event says the response was aborted.
                failed = true;
            }
        }
        var described = Describe(context, feature, failed, time.GetElapsedTime(started));
        var recorded = time.GetTimestamp();
        var kept = await trail.RecordAsync(described);
        metrics.AuditResponseHeld(time.GetElapsedTime(recorded));
        hold.Uninstall();
        if (!kept)
        {
            context.Abort();
            return;
        }
        if (!failed)
        {
            try
            {
                await hold.ReleaseAsync();
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException)
            {
                // The client went away after the event was kept; nothing more to send.
            }
        }
    }

    private ApiActivityEvent Describe(HttpContext context, IGatewayRequestFeature feature, bool failed, TimeSpan duration) =>
        new(time.GetUtcNow())
        {
            Method = context.Request.Method,
            Path = Truncate(context.Request.Path.Value ?? "/"),
            QueryKeys = QueryKeys(context.Request.QueryString),
            StatusCode = failed && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode,
            ClientIp = context.Connection.RemoteIpAddress?.ToString(),
            UserAgent = UserAgent(context.Request.Headers.UserAgent),
            RouteId = context.Features.Get<IReverseProxyFeature>()?.Route.Config.RouteId,
            Actor = feature.Identity is { } identity ? new AuditActor(identity.Issuer, identity.Subject, identity.ClientId, identity.TokenId, identity.Roles, identity.MfaUsed) : null,
            DeniedBy = feature.DeniedBy,
            DenialReason = feature.DenialReason,
            Masking = feature.MaskingReport,
            Purpose = feature.Purpose is { } purpose ? new AuditPurpose(purpose.Name, purpose.Basis.Name(), purpose.Source) : null,
            Consent = feature.Consent,
            Operation = feature.Operation is { } operation ? Gateway.Masking.Rules.RecordOperations.Name(operation) : null,
            Write = feature.WriteReport,
            Quota = feature.Quota?.ToAudit(),
            DroppedResponseHeaders = feature.DroppedResponseHeaders,
            DroppedResponseTrailers = feature.DroppedResponseTrailers,
            DurationMilliseconds = duration.TotalMilliseconds,
            Aborted = failed || context.RequestAborted.IsCancellationRequested,
            Trace = Activity.Current?.TraceId.ToHexString(),
        };

    /// <summary>
    /// Parameter names only: values may hold personal data (<c>?email=...</c>). A "name" without
    /// <c>=</c> or outside a plain identifier's characters may itself be a value, so it is left out.
    /// </summary>
    private static IReadOnlyList<string> QueryKeys(QueryString query)
    {
        if (!query.HasValue)
        {
            return [];
        }
        var keys = new List<string>();
        foreach (var pair in query.Value!.AsSpan(1).Split('&'))
        {
            var text = query.Value.AsSpan(1)[pair];
            var equals = text.IndexOf('=');
            if (equals <= 0 || equals > MaxQueryKeyChars || text[..equals].ContainsAnyExcept(QueryKeyCharacters))
            {
                continue;
            }
            var name = text[..equals].ToString();
            if (!keys.Contains(name) && keys.Count < MaxQueryKeys)
            {
                keys.Add(name);
            }
        }
        return keys;
    }

    /// <summary>The first User-Agent value, cut to <see cref="MaxUserAgentChars"/>; several or none: null.</summary>
    private static string? UserAgent(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count == 1 && values[0] is { Length: > 0 } value ? (value.Length <= MaxUserAgentChars ? value : value[..MaxUserAgentChars]) : null;

    private static string Truncate(string text) => text.Length <= MaxPathChars ? text : text[..MaxPathChars];
}
