using System.Diagnostics;
using System.Threading.Channels;
using Gateway.Audit;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Detector;

/// <summary>
/// The detector's loop. Holds the group's lease (one worker scores at a time: a principal's
/// windows need all its events), creates the consumer group if needed (BUSYGROUP is success),
/// reads first its own unacknowledged entries, then claims those a crashed worker left pending
/// (XAUTOCLAIM), then new ones (XREADGROUP, polled with back-off: never a blocking read on a
/// shared connection). Each batch is scored, its alerts added (idempotently), and only then
/// acknowledged (XACK), so a crash repeats a batch rather than losing it. Containment runs beside
/// the loop, so a suspension waiting for confirmations does not hold up reading.
/// Runs inside the gateway or in its own process; the hosts only start and stop it.
/// </summary>
public sealed partial class DetectorWorker : IAsyncDisposable
{
    private const string HoldLease = """
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[1] or not holder then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 1
        end
        return 0
        """;

    private const string ReleaseLease = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly DetectorOptions _options;
    private readonly TimeProvider _time;
    private readonly TimeProvider _containmentTime;
    private readonly ILogger _logger;
    private readonly DetectorEngine _engine;
    private readonly AlertStore _alerts;
    private readonly Containment _containment;
    private readonly Channel<(Alert Alert, long AddedAt)> _toContain = Channel.CreateBounded<(Alert, long)>(new BoundedChannelOptions(1000) { SingleReader = true });
    private readonly RedisKey _lease;
    private readonly string _consumer;
    private long _lastFlush;
    private bool _holdsLease;
    private Task? _containing;

    public DetectorWorker(IConnectionMultiplexer redis, DetectorOptions options, AuditKeys auditKeys, TimeProvider time, ILogger logger, TimeProvider? containmentTime = null)
    {
        _redis = redis;
        _options = options;
        _time = time;
        _containmentTime = containmentTime ?? time;
        _logger = logger;
        _consumer = options.Consumer ?? $"{Environment.MachineName}/{Environment.ProcessId}";
        _engine = new DetectorEngine(options);
        _alerts = new AlertStore(redis, options.AlertsStream, options.KeyPrefix);
        _lease = $"{options.KeyPrefix}:lease:{options.Group}";
        var audit = new ChainedAuditWriter(redis, options.Stream, auditKeys, $"detector/{_consumer}");
        _containment = new Containment(redis, options.Containment, _alerts, audit, _containmentTime, logger);
    }

    /// <summary>Entries read and handled (acknowledged), for figures and tests.</summary>
    public long Processed { get; private set; }

    /// <summary>Called for each alert added to the stream (not for one a replay raised again).</summary>
    internal Action<Alert>? AlertAdded { get; set; }

    /// <summary>Called when an alert's containment is done; the time is from the alert's addition to the outcome.</summary>
    internal Action<Alert, ContainmentOutcome, TimeSpan>? Contained { get; set; }

    internal DetectorEngine Engine => _engine;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        _containing = ContainAsync(stoppingToken);
        var wait = _options.MinPollInterval;
        var claimedAt = long.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await HoldLeaseAsync())
                {
                    await Task.Delay(_options.LeaseTime / 3, _time, stoppingToken);
                    continue;
                }
                var database = _redis.GetDatabase();
                if (!_holdsLease)
                {
                    await EnsureGroupAsync(database);
                    LogLeading(_logger, _consumer, _options.Group, _options.Stream);
                    while (await ReadAsync(database, "0") > 0)
                    {
                    }
                    _holdsLease = true;
                }
                var now = _time.GetTimestamp();
                if (_time.GetElapsedTime(claimedAt, now) >= _options.ClaimIdle / 2 || claimedAt == long.MinValue)
                {
                    claimedAt = now;
                    await ClaimAsync(database);
                }
                var read = await ReadAsync(database, ">");
                await FlushBaselinesAsync(force: false);
                if (read == 0)
                {
                    await Task.Delay(wait, _time, stoppingToken);
                    wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, _options.MaxPollInterval.Ticks));
                }
                else
                {
                    wait = _options.MinPollInterval;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogRedisFailed(_logger, ex.GetType().Name, ex.Message);
                _holdsLease = false;
                try
                {
                    await Task.Delay(_options.MaxPollInterval, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        await StopAsync();
    }

    private async Task StopAsync()
    {
        _toContain.Writer.TryComplete();
        if (_containing is not null)
        {
            await _containing;
        }
        try
        {
            await FlushBaselinesAsync(force: true);
            if (_holdsLease)
            {
                await _redis.GetDatabase().ScriptEvaluateAsync(ReleaseLease, [_lease], [_consumer]);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogRedisFailed(_logger, ex.GetType().Name, ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _toContain.Writer.TryComplete();
        if (_containing is not null)
        {
            await _containing;
        }
    }

    private async Task<bool> HoldLeaseAsync()
    {
        var held = (long)await _redis.GetDatabase().ScriptEvaluateAsync(HoldLease, [_lease], [_consumer, (long)_options.LeaseTime.TotalMilliseconds]) == 1;
        if (!held && _holdsLease)
        {
            LogLeaseLost(_logger, _consumer);
            _holdsLease = false;
        }
        return held;
    }

    private async Task EnsureGroupAsync(IDatabase database)
    {
        try
        {
            await database.StreamCreateConsumerGroupAsync(_options.Stream, _options.Group, _options.StartFrom == "oldest" ? "0-0" : "$", createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // The group exists: go on where it stands.
        }
    }

    /// <summary>Claims, a page at a time, what other consumers left pending longer than ClaimIdle, and handles it.</summary>
    private async Task ClaimAsync(IDatabase database)
    {
        RedisValue start = "0-0";
        do
        {
            var claimed = await database.StreamAutoClaimAsync(_options.Stream, _options.Group, _consumer, (long)_options.ClaimIdle.TotalMilliseconds, start, _options.BatchSize);
            if (claimed.ClaimedEntries.Length > 0)
            {
                LogClaimed(_logger, claimed.ClaimedEntries.Length);
                await HandleAsync(database, claimed.ClaimedEntries);
            }
            if (claimed.DeletedIds.Length > 0)
            {
                // Trimmed from the stream before anyone handled them: nothing left to read.
                await database.StreamAcknowledgeAsync(_options.Stream, _options.Group, claimed.DeletedIds);
            }
            start = claimed.NextStartId;
        }
        while (start != "0-0");
    }

    private async Task<int> ReadAsync(IDatabase database, string position)
    {
        var entries = await database.StreamReadGroupAsync(_options.Stream, _options.Group, _consumer, position, _options.BatchSize);
        if (entries.Length > 0)
        {
            await HandleAsync(database, entries);
        }
        return entries.Length;
    }

    /// <summary>Scores a batch, adds its alerts, then acknowledges it.</summary>
    internal async Task HandleAsync(IDatabase database, StreamEntry[] entries)
    {
        var facts = new List<ActivityFact>(entries.Length);
        var ids = new RedisValue[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            ids[i] = entries[i].Id;
            if (!entries[i].IsNull && entries[i][AuditRecord.EventField] is { IsNull: false } json
                && ActivityFact.TryParse(entries[i].Id!, (ReadOnlyMemory<byte>)json) is { } fact)
            {
                facts.Add(fact);
            }
        }
        await LoadBaselinesAsync(database, facts);
        // Scored after each event, not once per batch: a burst followed by quiet in one batch (a
        // detector catching up reads thousands at a time) would otherwise leave its windows unseen.
        var now = _time.GetUtcNow();
        var raised = new List<Alert>();
        foreach (var fact in facts)
        {
            if (_engine.Evaluate(_engine.Observe(fact), now) is { } alert)
            {
                raised.Add(alert);
            }
        }
        foreach (var alert in raised)
        {
            await PublishAsync(alert);
        }
        await database.StreamAcknowledgeAsync(_options.Stream, _options.Group, ids);
        Processed += entries.Length;
    }

    private async Task PublishAsync(Alert alert)
    {
        var entry = await _alerts.AddAsync(alert, DetectionFinding.ToJson(alert, _options.Stream, _consumer));
        if (entry is null)
        {
            return;
        }
        LogAlert(_logger, alert.Id, alert.Principal, alert.Score, alert.Plan.Action);
        AlertAdded?.Invoke(alert);
        if (alert.Plan.Action != "alert")
        {
            await _toContain.Writer.WriteAsync((alert, _containmentTime.GetTimestamp()));
        }
    }

    private async Task ContainAsync(CancellationToken stoppingToken)
    {
        await foreach (var (alert, addedAt) in _toContain.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                if (await _containment.ApplyAsync(alert, stoppingToken) is { } outcome)
                {
                    Contained?.Invoke(alert, outcome, _containmentTime.GetElapsedTime(addedAt));
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping while waiting for confirmations: the revocation itself is stored.
            }
        }
    }

    /// <summary>Reads the baselines of principals and roles this worker has not met yet, in one round trip.</summary>
    private async Task LoadBaselinesAsync(IDatabase database, List<ActivityFact> facts)
    {
        var principals = facts.Select(f => f.Principal).Where(p => !_engine.Knows(p)).Distinct(StringComparer.Ordinal).ToList();
        var roles = facts.Select(f => f.Role).OfType<string>().Where(r => !_engine.KnowsRole(r)).Distinct(StringComparer.Ordinal).ToList();
        if (principals.Count + roles.Count == 0)
        {
            return;
        }
        var keys = principals.Select(PrincipalKey).Concat(roles.Select(RoleKey)).ToArray();
        var values = await database.StringGetAsync(keys);
        for (var i = 0; i < principals.Count; i++)
        {
            _engine.Load(principals[i], VolumeBaseline.FromJson<PrincipalBaseline>(values[i]));
        }
        for (var i = 0; i < roles.Count; i++)
        {
            _engine.LoadRole(roles[i], VolumeBaseline.FromJson<RoleBaseline>(values[principals.Count + i]));
        }
    }

    private async Task FlushBaselinesAsync(bool force)
    {
        var now = _time.GetTimestamp();
        if (!force && _time.GetElapsedTime(_lastFlush, now) < _options.BaselineFlushInterval)
        {
            return;
        }
        _lastFlush = now;
        var (principals, roles) = _engine.TakeChangedBaselines();
        if (principals.Count + roles.Count == 0)
        {
            return;
        }
        var pairs = principals.Select(p => new KeyValuePair<RedisKey, RedisValue>(PrincipalKey(p.Principal), p.Json))
            .Concat(roles.Select(r => new KeyValuePair<RedisKey, RedisValue>(RoleKey(r.Role), r.Json)))
            .ToArray();
        await _redis.GetDatabase().StringSetAsync(pairs);
    }

    private RedisKey PrincipalKey(string principal) => $"{_options.KeyPrefix}:baseline:principal:{principal}";

    private RedisKey RoleKey(string role) => $"{_options.KeyPrefix}:baseline:role:{role}";

    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Detector {Consumer} holds the lease of group {Group} on {Stream}")]
    private static partial void LogLeading(ILogger logger, string consumer, string group, string stream);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Detector {Consumer} lost its lease; another worker scores now")]
    private static partial void LogLeaseLost(ILogger logger, string consumer);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Detector: Redis failed ({Error}: {Message}); retrying")]
    private static partial void LogRedisFailed(ILogger logger, string error, string message);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Detector claimed {Count} entries another consumer left pending")]
    private static partial void LogClaimed(ILogger logger, int count);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "Alert {AlertId}: {Principal} scored {Score}; policy: {Action}")]
    private static partial void LogAlert(ILogger logger, string alertId, string principal, int score, string action);
}
