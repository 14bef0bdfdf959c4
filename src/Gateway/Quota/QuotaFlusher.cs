using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Quota;

/// <summary>
/// Sends, every <see cref="QuotaOptions.FlushInterval"/>, the records and clear values of responses
/// that no later request of their principal has carried to Redis yet, all in one pipelined burst; a
/// batch Redis does not confirm is sent again under the same number (added once). Drops idle
/// entries now and then. On shutdown, after the last request, sends what is left.
/// </summary>
internal sealed partial class QuotaFlusher(
    QuotaLedger ledger,
    RedisQuotaCounters redis,
    IOptions<QuotaOptions> options,
    TimeProvider time,
    ILogger<QuotaFlusher> logger) : BackgroundService
{
    /// <summary>How long shutdown waits for Redis to take the last counts.</summary>
    private static readonly TimeSpan LastFlushTimeout = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>An entry is dropped after this long without a request (and with nothing unsent or counted locally).</summary>
    private static readonly TimeSpan IdleEntry = TimeSpan.FromMinutes(1);

    private readonly QuotaOptions _options = options.Value;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Waiting on Redis, not on the gateway's clock: a real deadline, which a test's fake clock must not hold open.
#pragma warning disable RS0030
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var unsent = await FlushAsync();
        while (unsent > 0 && waited.Elapsed < LastFlushTimeout && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(RetryDelay, CancellationToken.None);
            unsent = await FlushAsync();
        }
#pragma warning restore RS0030
        if (unsent > 0)
        {
            LogUnsentAtStop(logger, unsent);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.FlushInterval, time);
        var nextSweep = time.GetUtcNow() + IdleEntry;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync();
                var now = time.GetUtcNow();
                if (now >= nextSweep)
                {
                    ledger.Sweep(now.ToUnixTimeMilliseconds(), (long)IdleEntry.TotalMilliseconds);
                    nextSweep = now + IdleEntry;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <returns>How many principals still have counts unsent.</returns>
    internal async Task<int> FlushAsync()
    {
        var entries = ledger.TakeUnsent();
        if (entries.Count == 0)
        {
            return 0;
        }
        var sends = new List<(PrincipalQuota Entry, CountBatch Batch, Task Sent)>(entries.Count);
        foreach (var entry in entries)
        {
            var batch = entry.TakeBatch();
            if (batch.Sequence != 0 && redis.Connected)
            {
                sends.Add((entry, batch, redis.AddAsync(entry.Keys, batch, entry.Windows, _options.Timeout)));
            }
        }
        foreach (var (entry, batch, sent) in sends)
        {
            try
            {
                await sent;
                entry.Confirmed(batch);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Kept, and sent again under the same number.
            }
        }
        var unsent = 0;
        foreach (var entry in entries)
        {
            entry.QueueIfUnsent();
            unsent += entry.HasUnsent ? 1 : 0;
        }
        return unsent;
    }

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "At shutdown Redis did not take the quota counts of {Principals} principals: their records and clear values of the last moments are not counted")]
    private static partial void LogUnsentAtStop(ILogger logger, int principals);
}
