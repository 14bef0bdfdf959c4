using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Gateway.ControlPlane;

/// <summary>
/// Principals whose quotas are tightened for a while, in Redis: written by containment (the
/// anomaly detector) and gatewayctl, read by every gateway instance's quota check. One hash per
/// principal at <see cref="OverrideKey"/> (fields <c>factor</c>, <c>until</c> in Unix ms,
/// <c>reason</c>, <c>actor</c>, <c>principal</c>) that expires with the override, so a quota script
/// reads it in the same round trip as the principal's counters (same hash slot); and one sorted set
/// (<c>PREFIX:overrides</c>, principal by expiry) so operators can list them.
/// A principal is a token's <c>sub</c>, as revocation names it.
/// </summary>
public sealed class QuotaOverrideStore(IConnectionMultiplexer redis, string keyPrefix)
{
    private readonly RedisKey _index = $"{keyPrefix}:overrides";

    /// <summary>
    /// The start of every per-principal quota key: <c>PREFIX:{TAG}</c>, where TAG is a hash of the
    /// principal, so that a principal's keys share one Redis Cluster hash slot whatever characters
    /// its name holds (a <c>{</c> in a name would otherwise move the tag).
    /// </summary>
    public static string PrincipalKey(string keyPrefix, string principal) =>
        $"{keyPrefix}:{{{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(principal)).AsSpan(0, 12))}}}";

    /// <summary>The hash that holds <paramref name="principal"/>'s override while it lasts.</summary>
    public static string OverrideKey(string keyPrefix, string principal) => PrincipalKey(keyPrefix, principal) + ":override";

    /// <summary>Tightens <paramref name="principal"/>'s quotas to <paramref name="factor"/> of their configured size until <paramref name="now"/> + <paramref name="duration"/>, replacing an earlier override.</summary>
    /// <param name="factor">Greater than 0 and at most 1: 0.1 leaves a tenth of every budget.</param>
    public async Task TightenAsync(string principal, double factor, TimeSpan duration, string reason, string actor, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(principal);
        if (!(factor > 0 && factor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "A quota is tightened by a factor greater than 0 and at most 1.");
        }
        if (duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "An override lasts a positive time.");
        }
        var until = now.Add(duration).ToUnixTimeMilliseconds();
        RedisKey key = OverrideKey(keyPrefix, principal);
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.HashSetAsync(key,
        [
            new HashEntry("factor", factor.ToString("R", CultureInfo.InvariantCulture)),
            new HashEntry("until", until),
            new HashEntry("reason", reason),
            new HashEntry("actor", actor),
            new HashEntry("principal", principal),
        ]);
        _ = transaction.KeyExpireAsync(key, DateTimeOffset.FromUnixTimeMilliseconds(until).UtcDateTime);
        _ = transaction.SortedSetAddAsync(_index, principal, until);
        await transaction.ExecuteAsync();
    }

    /// <returns>Whether an override was in force and is now lifted.</returns>
    public async Task<bool> ReleaseAsync(string principal)
    {
        var transaction = redis.GetDatabase().CreateTransaction();
        var deleted = transaction.KeyDeleteAsync(OverrideKey(keyPrefix, principal));
        _ = transaction.SortedSetRemoveAsync(_index, principal);
        await transaction.ExecuteAsync();
        return await deleted;
    }

    /// <returns>The override in force for <paramref name="principal"/> at <paramref name="now"/>, or null.</returns>
    public async Task<QuotaOverride?> GetAsync(string principal, DateTimeOffset now)
    {
        var fields = await redis.GetDatabase().HashGetAllAsync(OverrideKey(keyPrefix, principal));
        return Parse(fields, now);
    }

    /// <returns>Every override in force at <paramref name="now"/>, soonest to end first; ended ones are dropped from the index.</returns>
    public async Task<IReadOnlyList<QuotaOverride>> ListAsync(DateTimeOffset now)
    {
        var database = redis.GetDatabase();
        var nowMs = now.ToUnixTimeMilliseconds();
        await database.SortedSetRemoveRangeByScoreAsync(_index, double.NegativeInfinity, nowMs);
        var principals = await database.SortedSetRangeByScoreAsync(_index, nowMs, double.PositiveInfinity, Exclude.Start);
        var overrides = new List<QuotaOverride>(principals.Length);
        foreach (var principal in principals)
        {
            if (Parse(await database.HashGetAllAsync(OverrideKey(keyPrefix, principal!)), now) is { } found)
            {
                overrides.Add(found);
            }
        }
        return overrides;
    }

    private static QuotaOverride? Parse(HashEntry[] fields, DateTimeOffset now)
    {
        if (fields.Length == 0)
        {
            return null;
        }
        var values = fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString(), StringComparer.Ordinal);
        var until = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(values["until"], CultureInfo.InvariantCulture));
        return until <= now ? null : new QuotaOverride(
            values["principal"],
            double.Parse(values["factor"], CultureInfo.InvariantCulture),
            until,
            values.GetValueOrDefault("reason", ""),
            values.GetValueOrDefault("actor", ""));
    }
}

/// <summary>A principal's quotas tightened to <see cref="Factor"/> of their size until <see cref="Until"/>, by <see cref="Actor"/> for <see cref="Reason"/>.</summary>
public sealed record QuotaOverride(string Principal, double Factor, DateTimeOffset Until, string Reason, string Actor);
