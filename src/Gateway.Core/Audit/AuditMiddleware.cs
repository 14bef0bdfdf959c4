using System.Diagnostics;
using Gateway.Core.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Gateway.Core.Audit;

/// <summary>
/// The outermost stage: every request on the proxy port, whatever later stages decide, becomes one
/// audit event, queued after the response. A fail-closed gateway whose audit trail cannot record
/// refuses the request before any CRM data is fetched.
/// </summary>
internal sealed class AuditMiddleware(RequestDelegate next, IAuditTrail trail, IOptions<AuditOptions> options, TimeProvider time)
{
    public const string Stage = "audit";
    private const int MaxQueryKeys = 32;
    private const int MaxPathChars = 2048;
    private const int MaxQueryKeyChars = 64;
    private static readonly System.Buffers.SearchValues<char> QueryKeyCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.[]");
    private readonly bool _failsClosed = options.Value.FailsClosed;

    public async Task InvokeAsync(HttpContext context)
    {
        var started = time.GetTimestamp();
        var feature = GatewayRequestFeature.GetOrCreate(context);
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
            await trail.RecordAsync(Describe(context, feature, failed, time.GetElapsedTime(started)));
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
            RouteId = context.Features.Get<IReverseProxyFeature>()?.Route.Config.RouteId,
            Actor = feature.Identity,
            DeniedBy = feature.DeniedBy,
            DenialReason = feature.DenialReason,
            Masking = feature.MaskingReport,
            Purpose = feature.Purpose,
            Consent = feature.Consent,
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

    private static string Truncate(string text) => text.Length <= MaxPathChars ? text : text[..MaxPathChars];
}
