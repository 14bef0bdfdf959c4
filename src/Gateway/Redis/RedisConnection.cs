using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>
/// Owns the one multiplexer every stage shares. Connecting starts with the host but is never
/// awaited by start-up: an unreachable Redis makes the gateway not ready, not dead, and the
/// multiplexer keeps reconnecting in the background. Nothing waits for Redis on shutdown: whoever
/// asks for the multiplexer while stopping passes the stopping token, and a first attempt still
/// under way when the gateway stops is closed when it ends rather than awaited.
/// </summary>
internal sealed partial class RedisConnection(IOptions<RedisOptions> options, ILogger<RedisConnection> logger) : IHostedService, IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _connect = new(() => ConnectAsync(options.Value, logger));

    /// <summary>The multiplexer once the first connection attempt has finished; <paramref name="cancellationToken"/> only stops waiting for it.</summary>
    public Task<IConnectionMultiplexer> GetAsync(CancellationToken cancellationToken = default) => _connect.Value.WaitAsync(cancellationToken);

    /// <summary>The multiplexer if the first connection attempt has finished, whether or not Redis answered.</summary>
    public IConnectionMultiplexer? Established => _connect.IsValueCreated && _connect.Value.IsCompletedSuccessfully ? _connect.Value.Result : null;

    /// <summary>Whether Redis answers now: what is sent waits in the library until it does, or until the command times out.</summary>
    public bool IsConnected => Established is { IsConnected: true };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = GetAsync();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (!_connect.IsValueCreated)
        {
            return;
        }
        var connecting = _connect.Value;
        if (!connecting.IsCompleted)
        {
            // Redis is down and the first attempt goes on for its ConnectTimeout: the process need not wait for it.
            _ = connecting.ContinueWith(attempt => attempt.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            return;
        }
        var multiplexer = await connecting.ConfigureAwait(false);
        await multiplexer.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<IConnectionMultiplexer> ConnectAsync(RedisOptions settings, ILogger logger)
    {
        var configuration = ConfigurationOptions.Parse(settings.Configuration!);
        if (settings.PasswordFile is { } passwordFile)
        {
            // Read once: the multiplexer reconnects with this password, so a rotation needs a restart.
            configuration.Password = RedisOptions.ReadPassword(passwordFile);
        }
        configuration.AbortOnConnectFail = false;
        configuration.ClientName ??= "compliance-gateway";
        // The library's dedicated I/O threads hand every write and read between themselves: on two
        // cores that cost about 0.2 futex calls per proxied request (docs/performance.md).
        configuration.SocketManager = SocketManager.ThreadPool;
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        multiplexer.ConnectionFailed += (_, e) => LogConnectionFailed(logger, e.EndPoint?.ToString() ?? "?", e.FailureType.ToString());
        multiplexer.ConnectionRestored += (_, e) => LogConnectionRestored(logger, e.EndPoint?.ToString() ?? "?");
        if (!multiplexer.IsConnected)
        {
            LogNotReachable(logger);
        }
        return multiplexer;
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Redis is not reachable yet; the gateway reports not ready and keeps trying")]
    private static partial void LogNotReachable(ILogger logger);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Redis connection to {EndPoint} failed: {FailureType}")]
    private static partial void LogConnectionFailed(ILogger logger, string endPoint, string failureType);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Redis connection to {EndPoint} restored")]
    private static partial void LogConnectionRestored(ILogger logger, string endPoint);
}
