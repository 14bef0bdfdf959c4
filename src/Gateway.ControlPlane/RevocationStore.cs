using StackExchange.Redis;

namespace Gateway.ControlPlane;

/// <summary>
/// The denylist in Redis and the gateways that apply it. The list is one hash (field
/// <c>sub:alice</c>, value = expiry in Unix seconds, 0 for never) with a version counter that
/// every change increments in the same transaction, and a channel announcing every change. Each
/// gateway instance reports the version it applied, and when it stops counting as live, in a
/// registry of instances, so that gatewayctl can wait until every live instance applied a change.
/// Used by the gateway to read and report and by gatewayctl to write and wait.
/// </summary>
public sealed class RevocationStore(IConnectionMultiplexer redis, string keyPrefix)
{
    /// <summary>Marks this instance live until Redis's clock plus ARGV[2] ms, records the version it applied, and drops instances no longer live.</summary>
    private static readonly LuaScript Report = LuaScript.Prepare("""
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        redis.call('ZADD', @instances, now + tonumber(@liveForMs), @instance)
        redis.call('HSET', @applied, @instance, @version)
        local gone = redis.call('ZRANGEBYSCORE', @instances, '-inf', now)
        for _, id in ipairs(gone) do
          redis.call('ZREM', @instances, id)
          redis.call('HDEL', @applied, id)
        end
        return now
        """);

    /// <summary>The instances live now by Redis's clock: id, version applied, milliseconds they still count as live.</summary>
    private static readonly LuaScript Live = LuaScript.Prepare("""
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local live = redis.call('ZRANGEBYSCORE', @instances, '(' .. now, '+inf', 'WITHSCORES')
        local result = {}
        for i = 1, #live, 2 do
          local applied = redis.call('HGET', @applied, live[i])
          table.insert(result, live[i])
          table.insert(result, applied or '0')
          table.insert(result, tostring(tonumber(live[i + 1]) - now))
        end
        return result
        """);

    private readonly RedisKey _hash = keyPrefix;
    private readonly RedisKey _version = $"{keyPrefix}:version";
    private readonly RedisKey _instances = $"{keyPrefix}:instances";
    private readonly RedisKey _applied = $"{keyPrefix}:applied";

    public RedisChannel Channel { get; } = RedisChannel.Literal($"{keyPrefix}:changed");

    /// <returns>The version of the denylist that holds this revocation.</returns>
    public async Task<long> RevokeAsync(RevocationKind kind, string value, TimeSpan? duration, DateTimeOffset now)
    {
        var expiry = duration is { } d ? now.Add(d).ToUnixTimeSeconds() : 0;
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.HashSetAsync(_hash, RevocationFields.Field(kind, value), expiry);
        var version = transaction.StringIncrementAsync(_version);
        await transaction.ExecuteAsync();
        await redis.GetSubscriber().PublishAsync(Channel, await version);
        return await version;
    }

    /// <returns>Whether there was such a revocation, and the version of the denylist without it.</returns>
    public async Task<(bool Removed, long Version)> UnrevokeAsync(RevocationKind kind, string value)
    {
        var transaction = redis.GetDatabase().CreateTransaction();
        var removed = transaction.HashDeleteAsync(_hash, RevocationFields.Field(kind, value));
        var version = transaction.StringIncrementAsync(_version);
        await transaction.ExecuteAsync();
        await redis.GetSubscriber().PublishAsync(Channel, await version);
        return (await removed, await version);
    }

    /// <summary>
    /// The revocations in force at <paramref name="now"/> (field to expiry, 0 for never) and the
    /// version they are, read together; expired ones are deleted on the way.
    /// </summary>
    public async Task<(long Version, Dictionary<string, long> Entries)> LoadAsync(DateTimeOffset now)
    {
        var database = redis.GetDatabase();
        var transaction = database.CreateTransaction();
        var versionRead = transaction.StringGetAsync(_version);
        var entriesRead = transaction.HashGetAllAsync(_hash);
        await transaction.ExecuteAsync();
        var entries = await entriesRead;
        var nowSeconds = now.ToUnixTimeSeconds();
        var active = new Dictionary<string, long>(entries.Length, StringComparer.Ordinal);
        var expired = new List<RedisValue>();
        foreach (var entry in entries)
        {
            var expiry = (long)entry.Value;
            if (expiry != 0 && expiry <= nowSeconds)
            {
                expired.Add(entry.Name);
            }
            else
            {
                active[entry.Name!] = expiry;
            }
        }
        if (expired.Count > 0)
        {
            await database.HashDeleteAsync(_hash, [.. expired]);
        }
        var version = await versionRead;
        return (version.IsNull ? 0 : (long)version, active);
    }

    /// <summary>
    /// Records that <paramref name="instance"/> applied <paramref name="version"/> and counts as
    /// live for <paramref name="liveFor"/> more (by Redis's clock, so instances' clocks need not agree).
    /// </summary>
    public Task ReportAppliedAsync(string instance, long version, TimeSpan liveFor) =>
        redis.GetDatabase().ScriptEvaluateAsync(Report, new
        {
            instances = _instances,
            applied = _applied,
            instance,
            version,
            liveForMs = (long)liveFor.TotalMilliseconds,
        });

    /// <summary>Takes <paramref name="instance"/> out of the registry, for an instance that stops.</summary>
    public async Task LeaveAsync(string instance)
    {
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.SortedSetRemoveAsync(_instances, instance);
        _ = transaction.HashDeleteAsync(_applied, instance);
        await transaction.ExecuteAsync();
    }

    /// <summary>The instances live now, each with the version it applied last.</summary>
    public async Task<IReadOnlyList<LiveInstance>> LiveInstancesAsync()
    {
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Live, new { instances = _instances, applied = _applied }))!;
        var instances = new List<LiveInstance>(result.Length / 3);
        for (var i = 0; i + 2 < result.Length; i += 3)
        {
            instances.Add(new LiveInstance((string)result[i]!, (long)result[i + 1], TimeSpan.FromMilliseconds((long)result[i + 2])));
        }
        return instances;
    }

    /// <summary>
    /// Waits until every live instance applied <paramref name="version"/> (or a later one), asking
    /// every <paramref name="pollInterval"/>, for at most <paramref name="timeout"/>. An instance
    /// that starts meanwhile is waited for too; one that stops (or stops counting as live) is not.
    /// </summary>
    public async Task<RevocationConfirmation> WaitUntilAppliedAsync(long version, TimeSpan timeout, TimeSpan pollInterval, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            var live = await LiveInstancesAsync();
            var pending = live.Where(instance => instance.AppliedVersion < version).ToList();
            if ((pending.Count == 0 && live.Count > 0) || time.GetUtcNow() >= deadline)
            {
                return new RevocationConfirmation(version, live.Count - pending.Count, pending);
            }
            await Task.Delay(pollInterval, time, cancellationToken);
        }
    }
}

/// <summary>A gateway instance that reported to the registry and still counts as live.</summary>
/// <param name="Id">Host name, process id and a random part, as the instance logged it at start.</param>
/// <param name="LiveFor">How much longer it counts as live without reporting again.</param>
public sealed record LiveInstance(string Id, long AppliedVersion, TimeSpan LiveFor);

/// <summary>How many live instances confirmed a version of the denylist, and which did not.</summary>
public sealed record RevocationConfirmation(long Version, int Confirmed, IReadOnlyList<LiveInstance> Unconfirmed)
{
    public bool Complete => Confirmed > 0 && Unconfirmed.Count == 0;
}
