using StackExchange.Redis;

namespace Gateway.Benchmarks.Load;

/// <summary>
/// Keeps the audit stream at its last <see cref="Kept"/> of events while a run goes on, as Redis
/// has it under a gateway older than its retention: each batch the gateway sends trims the events
/// past the retention, and Redis reuses their memory for the new ones. A run lasts minutes and the
/// retention at least a day, so without this the stream only grows, as in a gateway's first
/// retention period, and Redis takes fresh memory (page faults) for every event: about twice its
/// CPU per event, which a gateway pays only in its first retention period.
/// </summary>
internal sealed class AuditStreamTrimmer : IDisposable
{
    /// <summary>
    /// Short against a measured slice: a slice that follows another variant's starts with the stream
    /// trimmed empty, and has to be past the growing within its warm-up (3 s in a comparison). With
    /// 10 s kept, the full gateway's slices after bare YARP's cost Redis twice what the others did.
    /// </summary>
    public static readonly TimeSpan Kept = TimeSpan.FromSeconds(2);

    /// <summary>As often as the gateway sends a batch at the rates measured here, within a few.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly ConnectionMultiplexer _connection;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private AuditStreamTrimmer(ConnectionMultiplexer connection)
    {
        _connection = connection;
        _loop = TrimAsync(connection.GetDatabase(), _stop.Token);
    }

    public static async Task<AuditStreamTrimmer> StartAsync(string redisConfiguration) =>
        new(await ConnectionMultiplexer.ConnectAsync(redisConfiguration));

    /// <summary>Stops trimming; a trim that failed for another reason than a timeout (Redis gone) fails the run here rather than leave the stream growing unnoticed.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // Stopped, as asked.
        }
        finally
        {
            _connection.Dispose();
            _stop.Dispose();
        }
    }

    private static async Task TrimAsync(IDatabase database, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stop))
        {
            var oldestKept = DateTimeOffset.UtcNow.Subtract(Kept).ToUnixTimeMilliseconds();
            try
            {
                await database.StreamTrimByMinIdAsync(LoadVariant.AuditStream, $"{oldestKept}-0", useApproximateMaxLength: true);
            }
            catch (RedisTimeoutException)
            {
                // Redis busy with the batches of 10 MB responses' events: the next tick trims what this one did not.
            }
        }
    }
}
