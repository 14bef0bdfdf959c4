using System.Globalization;
using Gateway.Pipeline;
using Gateway.Telemetry;

namespace Gateway.Quota;

/// <summary>Why a request or a single-record response was refused, and when to try again (null: unknown).</summary>
internal sealed record QuotaRefusal(int Status, string Code, string Detail, TimeSpan? RetryAfter)
{
    public const string Stage = "quota";

    public static QuotaRefusal Spent(QuotaStatus status, TimeSpan retryAfter) => status switch
    {
        QuotaStatus.RequestsSpent => new(StatusCodes.Status429TooManyRequests, "quota_requests_exceeded", "This caller's requests budget for the current window is spent.", retryAfter),
        QuotaStatus.RecordsSpent => new(StatusCodes.Status429TooManyRequests, "quota_records_exceeded", "This caller's budget of records returned for the current window is spent.", retryAfter),
        QuotaStatus.ClearValuesSpent => new(StatusCodes.Status429TooManyRequests, "quota_clear_values_exceeded", "This caller's budget of high-sensitivity values returned in clear for the current window is spent.", retryAfter),
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a spent budget."),
    };

    public static QuotaRefusal Unavailable { get; } = new(StatusCodes.Status503ServiceUnavailable, "quota_unavailable",
        "The gateway cannot check this caller's quotas right now; retry later.", null);

    /// <summary>Whole seconds, rounded up, at least 1: a client retrying at once would only be refused again.</summary>
    public string? RetryAfterHeader => RetryAfter is { } wait
        ? Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture)
        : null;

    public Task RefuseAsync(HttpContext context, GatewayMetrics metrics)
    {
        metrics.RequestRefused(Stage, Code);
        context.Response.Headers.CacheControl = "no-store";
        if (RetryAfterHeader is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds;
        }
        return GatewayProblem.RefuseAsync(context, Stage, Status, Code, Detail);
    }
}

/// <summary>A response that is one record found the records budget spent by responses that ran alongside it: nothing of it was sent.</summary>
internal sealed class QuotaExhaustedException(QuotaRefusal refusal) : Exception(refusal.Detail)
{
    public QuotaRefusal Refusal { get; } = refusal;
}
