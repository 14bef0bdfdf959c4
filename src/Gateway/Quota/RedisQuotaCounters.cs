using System.Globalization;
using Gateway.Redis;
using StackExchange.Redis;

namespace Gateway.Quota;

/// <summary>
/// The budgets every instance shares, in Redis: per principal, one counter per kind (a string whose
/// expiry ends its window: the window starts with the first count after the last one ended, by
/// Redis's clock) under <see cref="Gateway.ControlPlane.QuotaOverrideStore.PrincipalKey"/>, so a
/// principal's keys, its override included, share one Cluster hash slot. One script per request
/// adds what this instance's earlier responses counted, reads the override, checks every budget
/// and counts the request: one round trip.
/// </summary>
internal sealed class RedisQuotaCounters(RedisConnection connection)
{
    /// <summary>
    /// KEYS: requests, records, clear values, override, applied. ARGV: instance, sequence, records and
    /// clear values to add, '1' to check and count a request ('0' only adds), then limit and window
    /// (ms) of requests, records and clear values (limit -1: not limited), the applied marker's
    /// lifetime (ms). Counts are added once per instance and sequence (a batch sent again after a
    /// timeout that arrived after all is not added twice). A request refused is not counted.
    /// Returns: status (0 allowed, 1 requests, 2 records, 3 clear values spent), ms until every
    /// spent budget's window ends, the override factor, then of records, clear values and requests
    /// the count before this request, the limit (tightened by the factor, at least 1; -1 not
    /// limited) and ms until the window ends (0: none open).
    /// </summary>
    private const string CheckScript = """
        local seq = tonumber(ARGV[2])
        if seq > 0 and seq > tonumber(redis.call('HGET', KEYS[5], ARGV[1]) or '0') then
          local function add(key, delta, window)
            if delta > 0 and window > 0 then
              redis.call('INCRBY', key, delta)
              if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, window) end
            end
          end
          add(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[9]))
          add(KEYS[3], tonumber(ARGV[4]), tonumber(ARGV[11]))
          redis.call('HSET', KEYS[5], ARGV[1], seq)
          redis.call('PEXPIRE', KEYS[5], ARGV[12])
        end
        if ARGV[5] ~= '1' then return {0} end
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local factor = 1
        local override = redis.call('HMGET', KEYS[4], 'factor', 'until')
        if override[1] and override[2] and tonumber(override[2]) > now then
          factor = tonumber(override[1])
        end
        local status, retry = 0, 0
        local result = {0, 0, tostring(factor)}
        local function check(code, key, limit, window)
          limit = tonumber(limit)
          local used = tonumber(redis.call('GET', key) or '0')
          if limit >= 0 then
            limit = math.max(1, math.floor(limit * factor))
            if used >= limit then
              local ttl = redis.call('PTTL', key)
              if ttl < 0 then
                redis.call('PEXPIRE', key, window)
                ttl = tonumber(window)
              end
              if ttl > retry then retry = ttl end
              if status == 0 then status = code end
            end
          end
          table.insert(result, used)
          table.insert(result, limit)
          table.insert(result, math.max(0, redis.call('PTTL', key)))
        end
        check(2, KEYS[2], ARGV[8], ARGV[9])
        check(3, KEYS[3], ARGV[10], ARGV[11])
        check(1, KEYS[1], ARGV[6], ARGV[7])
        if status == 0 and tonumber(ARGV[6]) >= 0 then
          redis.call('INCR', KEYS[1])
          if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[7]) end
        end
        result[1] = status
        result[2] = retry
        return result
        """;

    /// <summary>Long enough that a batch is never sent again after its marker is gone: batches are retried within seconds.</summary>
    private static readonly long AppliedLifetimeMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    /// <summary>Names this process's batches: a restarted process numbers its batches afresh under a new name.</summary>
    private readonly string _instance = Guid.NewGuid().ToString("N");

    /// <summary>The principal's keys, in the script's order.</summary>
    public static RedisKey[] KeysOf(string keyPrefix, string principal)
    {
        var start = Gateway.ControlPlane.QuotaOverrideStore.PrincipalKey(keyPrefix, principal);
        return [start + ":requests", start + ":records", start + ":clear", Gateway.ControlPlane.QuotaOverrideStore.OverrideKey(keyPrefix, principal), start + ":applied"];
    }

    /// <summary>Whether Redis can be asked at all right now; when not, waiting for a timeout would only delay the fallback.</summary>
    public bool Connected => connection.Established is { IsConnected: true };

    /// <summary>Adds <paramref name="counted"/>, then checks every budget and counts the request if none is spent.</summary>
    /// <exception cref="RedisException">Redis refused or lost the command.</exception>
    public async Task<QuotaCheck> CheckAsync(RedisKey[] keys, CountBatch counted, QuotaLimits limits, TimeSpan timeout)
    {
#pragma warning disable RS0030 // How long Redis may take, on the machine's clock: a test's fake clock must not stop a check from timing out.
        var reply = (RedisResult[])(await EvaluateAsync(keys, counted, limits, check: true).WaitAsync(timeout).ConfigureAwait(false))!;
#pragma warning restore RS0030
        return new QuotaCheck(
            (QuotaStatus)(int)reply[0],
            TimeSpan.FromMilliseconds((long)reply[1]),
            double.Parse((string)reply[2]!, CultureInfo.InvariantCulture),
            Records: new QuotaUse((long)reply[3], (long)reply[4], (long)reply[5]),
            ClearValues: new QuotaUse((long)reply[6], (long)reply[7], (long)reply[8]),
            Requests: new QuotaUse((long)reply[9], (long)reply[10], (long)reply[11]));
    }

    /// <summary>Adds <paramref name="counted"/> without a request.</summary>
#pragma warning disable RS0030 // As in CheckAsync: a timeout on the machine's clock.
    public async Task AddAsync(RedisKey[] keys, CountBatch counted, QuotaLimits windows, TimeSpan timeout) =>
        await EvaluateAsync(keys, counted, windows, check: false).WaitAsync(timeout).ConfigureAwait(false);
#pragma warning restore RS0030

    private async Task<RedisResult> EvaluateAsync(RedisKey[] keys, CountBatch counted, QuotaLimits limits, bool check)
    {
        var database = (await connection.GetAsync().ConfigureAwait(false)).GetDatabase();
        RedisValue[] arguments =
        [
            _instance, counted.Sequence, counted.Records, counted.ClearValues, check ? "1" : "0",
            Limit(limits.Requests), Window(limits.Requests),
            Limit(limits.Records), Window(limits.Records),
            Limit(limits.ClearValues), Window(limits.ClearValues),
            AppliedLifetimeMs,
        ];
        return await database.ScriptEvaluateAsync(CheckScript, keys, arguments).ConfigureAwait(false);
    }

    private static long Limit(QuotaBudget? budget) => budget?.Limit ?? -1;

    private static long Window(QuotaBudget? budget) => budget is null ? 0 : (long)budget.Window.TotalMilliseconds;
}

/// <summary>Records and clear values this instance counted for a principal, numbered so that Redis adds them once.</summary>
/// <param name="Sequence">0: nothing to add.</param>
internal readonly record struct CountBatch(long Sequence, long Records, long ClearValues)
{
    public static CountBatch None => default;
}

internal enum QuotaStatus
{
    Allowed = 0,
    RequestsSpent = 1,
    RecordsSpent = 2,
    ClearValuesSpent = 3,
}

/// <summary>How much of one budget was used before this request, of which limit (-1: not limited), and how long its window still runs.</summary>
internal readonly record struct QuotaUse(long Used, long Limit, long WindowLeftMs)
{
    public bool Limited => Limit >= 0;

    public long Remaining => Limited ? Math.Max(0, Limit - Used) : long.MaxValue;
}

/// <summary>One request's check: allowed or which budget is spent, until when, and the state of each.</summary>
internal sealed record QuotaCheck(QuotaStatus Status, TimeSpan RetryAfter, double Factor, QuotaUse Records, QuotaUse ClearValues, QuotaUse Requests);
