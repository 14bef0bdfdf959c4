using System.Diagnostics;
using Gateway.Core.Audit;
using Gateway.Core.Redis;
using Gateway.Core.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Core.Consent;

/// <summary>
/// Answers "what did these subjects say about this purpose?" from the cache, asking the store for
/// the rest in one pipelined round trip. Runs the subscription to change announcements, which
/// evicts cached answers on every instance as soon as consent changes anywhere.
/// </summary>
internal sealed partial class ConsentLookup(
    RedisConnection redis,
    ConsentCache cache,
    IOptions<ConsentOptions> options,
    GatewayMetrics metrics,
    ILogger<ConsentLookup> logger) : BackgroundService
{
    private readonly ConsentOptions _options = options.Value;
    private ConsentStore? _store;

    public async Task<ConsentStore> StoreAsync() => _store ??= new ConsentStore(await redis.GetAsync(), _options.KeyPrefix);

    /// <summary>Adds to <paramref name="answers"/> one answer per subject hash, null where nothing is stored.</summary>
    /// <returns>False when the store could not be asked; the answers are then incomplete.</returns>
    public async Task<bool> GetAsync(IReadOnlyCollection<SubjectHash> subjectHashes, string purpose, Dictionary<SubjectHash, ConsentRecord?> answers, CancellationToken cancellationToken)
    {
        var missing = new List<SubjectHash>();
        foreach (var subject in subjectHashes)
        {
            if (cache.TryGet(subject, purpose, out var cached))
            {
                answers[subject] = cached;
            }
            else
            {
                missing.Add(subject);
            }
        }
        metrics.ConsentLookedUp("cache", answers.Count);
        if (missing.Count == 0)
        {
            return true;
        }
        var generation = cache.Generation;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var store = await StoreAsync();
            var stored = await store.GetAsync(missing, purpose).WaitAsync(_options.LookupTimeout, cancellationToken);
            metrics.ConsentStoreAnswered(Stopwatch.GetElapsedTime(started));
            metrics.ConsentLookedUp("store", missing.Count);
            for (var i = 0; i < missing.Count; i++)
            {
                answers[missing[i]] = stored[i];
                cache.Add(missing[i], purpose, stored[i], generation);
            }
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            metrics.ConsentLookedUp("unavailable", missing.Count);
            LogUnavailable(logger, ex.GetType().Name);
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var multiplexer = await redis.GetAsync();
        multiplexer.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                cache.Listening(false);
            }
        };
        multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                cache.Listening(true);
            }
        };
        var store = await StoreAsync();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await multiplexer.GetSubscriber().SubscribeAsync(store.Channel, (_, message) =>
                {
                    if (SubjectHash.TryParse(message.ToString(), out var subject))
                    {
                        cache.Evict(subject);
                    }
                    else
                    {
                        // "*" after a bulk import; anything else unreadable is treated the same way, to be safe.
                        cache.Clear();
                    }
                });
                cache.Listening(multiplexer.IsConnected);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogSubscribeFailed(logger, ex.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    [LoggerMessage(EventId = 1800, Level = LogLevel.Warning, Message = "The consent store could not be asked ({Error}); the records concerned were treated as without consent")]
    private static partial void LogUnavailable(ILogger logger, string error);

    [LoggerMessage(EventId = 1801, Level = LogLevel.Warning, Message = "Could not subscribe to consent change announcements ({Error}); retrying, and caching nothing meanwhile")]
    private static partial void LogSubscribeFailed(ILogger logger, string error);
}
