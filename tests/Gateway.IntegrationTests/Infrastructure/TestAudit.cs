using System.Security.Cryptography;
using Gateway.Audit;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>The audit key of the test gateways, and reading their audit streams back as the SOC would.</summary>
public static class TestAudit
{
    private static readonly Lazy<string> SharedKeyFile = new(() =>
    {
        var path = Path.Combine(TestPki.Shared.Directory, "audit.key");
        File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
        return path;
    });

    public static string KeyFile => SharedKeyFile.Value;

    public static AuditKeys Keys => AuditKeys.FromFile(KeyFile);

    public static string NewSpoolDirectory() => Path.Combine(Path.GetTempPath(), $"audit-spool-{Guid.NewGuid():N}");

    /// <summary>Every entry of <paramref name="stream"/>, in stream order.</summary>
    public static async Task<List<AuditRecord>> ReadAsync(string redisConfiguration, string stream)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfiguration);
        var entries = await redis.GetDatabase().StreamRangeAsync(stream);
        return [.. entries.Select(e => AuditRecord.FromStreamEntry(e)
            ?? throw new InvalidOperationException($"Entry {e.Id} is not an audit event."))];
    }

    /// <summary>Waits until <paramref name="stream"/> holds at least <paramref name="count"/> entries (or <paramref name="timeout"/>, default 15 s, has passed), and reads it.</summary>
    public static async Task<List<AuditRecord>> WaitForAsync(string redisConfiguration, string stream, int count, TimeSpan? timeout = null)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfiguration);
        await Eventually.HoldsWithinAsync(async () => await redis.GetDatabase().StreamLengthAsync(stream) >= count, timeout ?? TimeSpan.FromSeconds(15));
        return await ReadAsync(redisConfiguration, stream);
    }

    /// <summary>
    /// Waits until <paramref name="stream"/> holds at least <paramref name="count"/> different events:
    /// after an outage some arrive twice, so the entry count alone says nothing.
    /// </summary>
    public static async Task<List<AuditRecord>> WaitForDistinctAsync(string redisConfiguration, string stream, int count, TimeSpan timeout)
    {
        var events = await WaitForAsync(redisConfiguration, stream, count, timeout);
        return await Eventually.ValueAsync(
            async () =>
            {
                if (events.DistinctBy(e => e.EventId).Count() < count)
                {
                    events.ForEach(e => e.Dispose());
                    events = await ReadAsync(redisConfiguration, stream);
                }
                return events;
            },
            read => read.DistinctBy(e => e.EventId).Count() >= count,
            timeout);
    }
}
