using StackExchange.Redis;

namespace Gateway.Core.Identity.Revocation;

/// <summary>
/// The denylist in Redis: one hash (field <c>sub:alice</c>, value = expiry in Unix seconds, 0 for
/// never) and one channel announcing every change, so each gateway reloads within moments.
/// Used by the gateway to read and by gatewayctl to write.
/// </summary>
public sealed class RevocationStore(IConnectionMultiplexer redis, string keyPrefix)
{
    private readonly RedisKey _hash = keyPrefix;

    public RedisChannel Channel { get; } = RedisChannel.Literal($"{keyPrefix}:changed");

    public async Task RevokeAsync(RevocationKind kind, string value, TimeSpan? duration, DateTimeOffset now)
    {
        var expiry = duration is { } d ? now.Add(d).ToUnixTimeSeconds() : 0;
        await redis.GetDatabase().HashSetAsync(_hash, RevocationFields.Field(kind, value), expiry);
        await redis.GetSubscriber().PublishAsync(Channel, "revoke");
    }

    /// <returns>Whether there was such a revocation.</returns>
    public async Task<bool> UnrevokeAsync(RevocationKind kind, string value)
    {
        var removed = await redis.GetDatabase().HashDeleteAsync(_hash, RevocationFields.Field(kind, value));
        await redis.GetSubscriber().PublishAsync(Channel, "unrevoke");
        return removed;
    }

    /// <summary>The revocations in force at <paramref name="now"/> (field to expiry, 0 for never); expired ones are deleted on the way.</summary>
    public async Task<Dictionary<string, long>> LoadAsync(DateTimeOffset now)
    {
        var database = redis.GetDatabase();
        var entries = await database.HashGetAllAsync(_hash);
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
        return active;
    }
}
