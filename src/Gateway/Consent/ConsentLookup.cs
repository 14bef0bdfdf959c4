using Gateway.Masking;
using Gateway.Redis;
using Gateway.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Consent;

/// <summary>
/// Answers "what did these subjects say about this purpose?" from the cache, or from a lookup
/// another response has already sent, asking the store for the rest in one pipelined round trip.
/// Runs the subscription to change announcements, which evicts cached answers on every instance as
/// soon as consent changes anywhere.
/// </summary>
internal sealed partial class ConsentLookup(
    RedisConnection redis,
    ConsentCache cache,
    IOptions<ConsentOptions> options,
    GatewayMetrics metrics,
    TimeProvider time,
    ILogger<ConsentLookup> logger) : BackgroundService
{
    private readonly ConsentOptions _options = options.Value;
    private readonly ConsentLookupsInFlight _inFlight = new(cache, metrics, options.Value.LookupTimeout, time);
    private ConsentStore? _store;

    public async Task<ConsentStore> StoreAsync() => _store ??= new ConsentStore(await redis.GetAsync(), _options.KeyPrefix);

    /// <summary>Adds to <paramref name="answers"/> one answer per subject hash, null where nothing is stored.</summary>
    /// <returns>False when the store could not be asked; the answers are then incomplete.</returns>
    public async Task<bool> GetAsync(HashSet<SubjectHash> subjectHashes, string purpose, Dictionary<SubjectHash, ConsentRecord?> answers, CancellationToken cancellationToken)
    {
        var missing = new List<SubjectHash>();
        List<PendingAnswer>? shared = null;
        foreach (var subject in subjectHashes)
        {
            if (cache.TryGet(subject, purpose, out var cached))
            {
                answers[subject] = cached;
            }
            else if (_inFlight.TryJoin(subject, purpose, out var pending))
            {
                (shared ??= []).Add(pending);
            }
            else
            {
                missing.Add(subject);
            }
        }
        metrics.ConsentLookedUp("cache", answers.Count);
        if (missing.Count == 0 && shared is null)
        {
            return true;
        }
        try
        {
            var sent = missing.Count == 0 ? null : await SendAsync(missing, purpose);
            await AnsweredAsync(sent, shared).WaitAsync(_options.LookupTimeout, time, cancellationToken);
            if (sent is not null)
            {
                var stored = sent.Answers.Result;
                for (var i = 0; i < missing.Count; i++)
                {
                    answers[missing[i]] = stored[i];
                }
                metrics.ConsentLookedUp("store", missing.Count);
            }
            if (shared is not null)
            {
                foreach (var pending in shared)
                {
                    answers[pending.Subject] = pending.Answer;
                }
                metrics.ConsentLookedUp("shared", shared.Count);
            }
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            metrics.ConsentLookedUp("unavailable", missing.Count + (shared?.Count ?? 0));
            LogUnavailable(logger, ex.GetType().Name);
            return false;
        }
    }

    private async Task<StoreLookup> SendAsync(List<SubjectHash> subjects, string purpose)
    {
        var generation = cache.Generation;
        var store = await StoreAsync();
        var lookup = new StoreLookup(subjects, purpose, generation, time.GetTimestamp(), store.GetAsync(subjects, purpose));
        _inFlight.Offer(lookup);
        return lookup;
    }

    /// <summary>Completes when this response's own lookup and every lookup it joined have been answered.</summary>
    private static Task AnsweredAsync(StoreLookup? sent, List<PendingAnswer>? shared)
    {
        if (shared is null)
        {
            return sent!.Answers;
        }
        // A batch's shared answers mostly come from one or two lookups: wait for each once.
        var waits = new List<Task>();
        if (sent is not null)
        {
            waits.Add(sent.Answers);
        }
        foreach (var pending in shared)
        {
            if (!waits.Contains(pending.Lookup.Answers))
            {
                waits.Add(pending.Lookup.Answers);
            }
        }
        return Task.WhenAll(waits);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await SubscribeAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <remarks>Every wait for Redis ends when the gateway stops: with Redis down, each would otherwise last a command timeout.</remarks>
    private async Task SubscribeAsync(CancellationToken stoppingToken)
    {
        var multiplexer = await redis.GetAsync(stoppingToken);
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
                }).WaitAsync(stoppingToken);
                cache.Listening(multiplexer.IsConnected);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogSubscribeFailed(logger, ex.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }
    }

    [LoggerMessage(EventId = 1800, Level = LogLevel.Warning, Message = "The consent store could not be asked ({Error}); the records concerned were treated as without consent")]
    private static partial void LogUnavailable(ILogger logger, string error);

    [LoggerMessage(EventId = 1801, Level = LogLevel.Warning, Message = "Could not subscribe to consent change announcements ({Error}); retrying, and caching nothing meanwhile")]
    private static partial void LogSubscribeFailed(ILogger logger, string error);
}
