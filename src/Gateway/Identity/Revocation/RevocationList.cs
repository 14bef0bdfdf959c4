using System.Collections.Frozen;
using System.Security.Cryptography;
using Gateway.Audit;
using Gateway.ControlPlane;
using Gateway.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Identity.Revocation;

/// <summary>
/// The gateway's in-memory copy of the denylist, checked on every request without a Redis round
/// trip. It is reloaded when any instance announces a change (pub/sub: within milliseconds) and on
/// a timer (in case an announcement was missed). A copy older than MaxStaleness is not trusted.
/// After each reload the instance reports the version it applied to the registry of instances
/// (<see cref="RevocationStore"/>), where it counts as live for MaxStaleness: as long as it could
/// serve from that copy. gatewayctl waits for those reports.
/// </summary>
internal sealed partial class RevocationList : BackgroundService
{
    private readonly RedisConnection _redis;
    private readonly IAuditTrail _audit;
    private readonly RevocationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RevocationList> _logger;
    private readonly SemaphoreSlim _reloadSignal = new(0, 1);
    private readonly string _instanceId = $"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
    private volatile Snapshot? _snapshot;
    private RevocationStore? _store;

    public RevocationList(RedisConnection redis, IAuditTrail audit, IOptions<IdentityOptions> options, TimeProvider time, ILogger<RevocationList> logger)
    {
        _redis = redis;
        _audit = audit;
        _options = options.Value.Revocation;
        _time = time;
        _logger = logger;
    }

    public RevocationCheck Check(GatewayIdentity identity)
    {
        var snapshot = _snapshot;
        var now = _time.GetUtcNow();
        if (snapshot is null || now - snapshot.LoadedAt > _options.MaxStaleness)
        {
            return RevocationCheck.Unavailable;
        }
        var revoked = IsRevoked(snapshot, RevocationKind.Subject, identity.Subject, now)
            || (identity.TokenId is { } jti && IsRevoked(snapshot, RevocationKind.TokenId, jti, now))
            || (identity.ClientId is { } client && IsRevoked(snapshot, RevocationKind.Client, client, now));
        return revoked ? RevocationCheck.Revoked : RevocationCheck.Clear;
    }

    public bool IsLoaded => _snapshot is { } snapshot && _time.GetUtcNow() - snapshot.LoadedAt <= _options.MaxStaleness;

    /// <remarks>Every wait for Redis ends when the gateway stops: with Redis down, each would otherwise last a command timeout.</remarks>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var multiplexer = await _redis.GetAsync(stoppingToken);
        var store = _store = new RevocationStore(multiplexer, _options.KeyPrefix);
        LogReportingAs(_logger, _instanceId);
        await SubscribeAsync(multiplexer, store, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            await ReloadAsync(store, stoppingToken);
            using var timer = new CancellationTokenSource(_options.RefreshInterval, _time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, stoppingToken);
            try
            {
                await _reloadSignal.WaitAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The refresh interval passed without an announcement: reload anyway.
            }
        }
    }

    private async Task SubscribeAsync(IConnectionMultiplexer multiplexer, RevocationStore store, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await multiplexer.GetSubscriber().SubscribeAsync(store.Channel, (_, _) => Signal()).WaitAsync(stoppingToken);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogSubscribeFailed(_logger, ex.GetType().Name);
                await Task.Delay(_options.RefreshInterval, _time, stoppingToken);
            }
        }
    }

    private void Signal()
    {
        try
        {
            _reloadSignal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A reload is already pending; one is enough for any number of announcements.
        }
    }

    /// <summary>
    /// Reads the denylist, applies it, and reports the version applied. The instance is announced
    /// (with the version it holds) before reading: a change stored before the announcement is in
    /// what it reads, and gatewayctl, storing a change after, finds the instance and waits for it.
    /// </summary>
    private async Task ReloadAsync(RevocationStore store, CancellationToken stoppingToken)
    {
        try
        {
            await store.ReportAppliedAsync(_instanceId, _snapshot?.Version ?? 0, _options.MaxStaleness).WaitAsync(stoppingToken);
            var now = _time.GetUtcNow();
            var (version, entries) = await store.LoadAsync(now).WaitAsync(stoppingToken);
            var parsed = entries
                .Select(e => (Parsed: RevocationFields.TryParse(e.Key, out var revocation), revocation, Expiry: e.Value))
                .Where(e => e.Parsed)
                .ToFrozenDictionary(e => e.revocation, e => e.Expiry);
            var previous = _snapshot;
            _snapshot = new Snapshot(parsed, now, version);
            await store.ReportAppliedAsync(_instanceId, version, _options.MaxStaleness).WaitAsync(stoppingToken);
            if (previous is not null && Changes(previous.Entries, parsed) is { Count: > 0 } changes)
            {
                await _audit.RecordAsync(new GatewayChangeEvent(now)
                {
                    Change = "revocation_list",
                    Accepted = true,
                    Message = $"Revocation list changed: {changes.Count(c => c.Operation == "revoked")} revoked, {changes.Count(c => c.Operation == "lifted")} lifted.",
                    Items = changes,
                });
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogReloadFailed(_logger, ex.GetType().Name);
        }
    }

    /// <summary>
    /// Leaves the registry of instances, so that gatewayctl does not wait for an instance that is
    /// gone. The server has stopped by now (it starts after, and stops before, hosted services),
    /// so no request is served from here on. With Redis down it does not try: the command would
    /// only wait for its timeout.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_store is not { } store)
        {
            return;
        }
        if (!_redis.IsConnected)
        {
            LogLeaveFailed(_logger, "not connected", _options.MaxStaleness);
            return;
        }
        try
        {
            await store.LeaveAsync(_instanceId).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
        {
            LogLeaveFailed(_logger, ex.GetType().Name, _options.MaxStaleness);
        }
    }

    /// <summary>What one reload added and removed; each instance records what it applied.</summary>
    private static List<ChangedItem> Changes(
        FrozenDictionary<(RevocationKind Kind, string Value), long> before,
        FrozenDictionary<(RevocationKind Kind, string Value), long> after) =>
        [
            .. after.Keys.Where(k => !before.ContainsKey(k)).Select(k => new ChangedItem("revoked", KindName(k.Kind), k.Value)),
            .. before.Keys.Where(k => !after.ContainsKey(k)).Select(k => new ChangedItem("lifted", KindName(k.Kind), k.Value)),
        ];

    private static string KindName(RevocationKind kind) => kind switch
    {
        RevocationKind.Subject => "subject",
        RevocationKind.TokenId => "token_id",
        _ => "client",
    };

    private static bool IsRevoked(Snapshot snapshot, RevocationKind kind, string value, DateTimeOffset now) =>
        snapshot.Entries.TryGetValue((kind, value), out var expiry)
        && (expiry == 0 || expiry > now.ToUnixTimeSeconds());

    /// <summary>The denylist keyed by (kind, value), parsed once per reload so a check builds no strings; and its version in Redis.</summary>
    private sealed record Snapshot(FrozenDictionary<(RevocationKind Kind, string Value), long> Entries, DateTimeOffset LoadedAt, long Version);

    [LoggerMessage(EventId = 1520, Level = LogLevel.Warning, Message = "Could not subscribe to revocation announcements ({Error}); retrying")]
    private static partial void LogSubscribeFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1521, Level = LogLevel.Warning, Message = "Could not reload the revocation list ({Error}); the last copy stays in use until it is too old")]
    private static partial void LogReloadFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1522, Level = LogLevel.Information, Message = "Reporting applied revocation changes as instance {InstanceId}")]
    private static partial void LogReportingAs(ILogger logger, string instanceId);

    [LoggerMessage(EventId = 1523, Level = LogLevel.Warning, Message = "Could not leave the registry of instances ({Error}); gatewayctl revoke counts this instance as unconfirmed for up to {LiveFor} more")]
    private static partial void LogLeaveFailed(ILogger logger, string error, TimeSpan liveFor);
}

internal enum RevocationCheck
{
    Clear,
    Revoked,
    Unavailable,
}
