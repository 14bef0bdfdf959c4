using Gateway.Consent;
using Gateway.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Quota;

/// <summary>
/// Checks one request against its caller's budgets: one script in Redis, which also adds what this
/// instance's earlier responses of the principal counted. While Redis does not answer, refuses
/// (<c>WhenRedisDown=refuse</c>) or checks this instance's share locally (<c>local</c>), and says so
/// in the log when that starts and ends: a budget is never silently not enforced.
/// </summary>
internal sealed partial class QuotaChecker(
    QuotaLedger ledger,
    RedisQuotaCounters redis,
    IOptions<QuotaOptions> options,
    TimeProvider time,
    GatewayMetrics metrics,
    ILogger<QuotaChecker> logger,
    ConsentSubjectKey? subjects = null)
{
    private const string SourceRedis = "redis";
    private const string SourceLocal = "local";
    private readonly QuotaOptions _options = options.Value;
    private int _redisDown;
    private int _ledgerFull;

    public async Task<RequestQuota> CheckAsync(string principal, QuotaLimits limits)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (ledger.Enter(principal, now) is not { } entry)
        {
            if (Interlocked.Exchange(ref _ledgerFull, 1) == 0)
            {
                LogLedgerFull(logger, _options.MaxPrincipals);
            }
            return RequestQuota.Refused(limits, null, null, QuotaRefusal.Unavailable, time);
        }
        Interlocked.Exchange(ref _ledgerFull, 0);
        var (check, source) = await CheckInRedisOrLocallyAsync(entry, limits, now);
        if (check is null)
        {
            entry.Leave(now);
            return RequestQuota.Refused(limits, null, null, QuotaRefusal.Unavailable, time);
        }
        if (check.Status != QuotaStatus.Allowed)
        {
            entry.Leave(now);
            return RequestQuota.Refused(limits, check, source, QuotaRefusal.Spent(check.Status, check.RetryAfter), time);
        }
        return RequestQuota.Allowed(entry, limits, check, source, subjects, time);
    }

    /// <returns>No check when Redis does not answer and <c>WhenRedisDown=refuse</c>.</returns>
    private async Task<(QuotaCheck? Check, string Source)> CheckInRedisOrLocallyAsync(PrincipalQuota entry, QuotaLimits limits, long now)
    {
        if (redis.Connected)
        {
            var batch = entry.TakeBatch();
            try
            {
                var check = await redis.CheckAsync(entry.Keys, batch, limits, _options.Timeout);
                entry.Confirmed(batch);
                if (check.Status == QuotaStatus.Allowed)
                {
                    entry.Admit(check, limits);
                }
                // Counts of responses that ran alongside this check are still to send.
                entry.QueueIfUnsent();
                if (Interlocked.Exchange(ref _redisDown, 0) == 1)
                {
                    LogRedisBack(logger);
                }
                return (check, SourceRedis);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The batch stays in flight: sent again, it is added once.
                entry.QueueIfUnsent();
            }
        }
        if (Interlocked.Exchange(ref _redisDown, 1) == 0)
        {
            LogRedisDown(logger, _options.WhenRedisDown);
        }
        metrics.QuotaWithoutRedis(_options.WhenRedisDown);
        return _options.LocalFallback ? (entry.AdmitLocally(limits, _options.LocalInstances, now), SourceLocal) : (null, SourceLocal);
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Redis did not answer a quota check; until it does, requests with budgets are handled as WhenRedisDown={WhenRedisDown} says")]
    private static partial void LogRedisDown(ILogger logger, string whenRedisDown);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Redis answers quota checks again; budgets are shared by every instance")]
    private static partial void LogRedisBack(ILogger logger);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "Quota counts are kept for {MaxPrincipals} principals already, all in use or with counts unsent; requests of others get 503 quota_unavailable")]
    private static partial void LogLedgerFull(ILogger logger, int maxPrincipals);
}
