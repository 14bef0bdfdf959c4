using System.Diagnostics;
using Gateway.Audit;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Redis;
using Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OptionsOf = Microsoft.Extensions.Options.Options;

namespace Gateway.IntegrationTests.Audit;

/// <summary>The audit writer on its own, without a gateway: its queue, a spool of its own and a redis-server of its own.</summary>
internal sealed class StandaloneAuditWriter : IAsyncDisposable
{
    private readonly Process? _redis;
    private readonly string? _ownersSpool;
    private readonly RedisConnection _connection;

    /// <param name="redis">Null for another writer on an owner's redis-server, which stops it.</param>
    private StandaloneAuditWriter(Process? redis, string? ownersSpool, string configuration, AuditOptions options, TimeProvider time)
    {
        _redis = redis;
        _ownersSpool = ownersSpool;
        Configuration = configuration;
        Options = options;
        var metrics = new GatewayMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        Queue = new AuditQueue(OptionsOf.Create(options), metrics, NullLogger<AuditQueue>.Instance);
        _connection = new RedisConnection(OptionsOf.Create(new RedisOptions { Configuration = configuration }), NullLogger<RedisConnection>.Instance);
        Writer = new AuditWriter(Queue, OptionsOf.Create(options), _connection, metrics, time, NullLogger<AuditWriter>.Instance);
    }

    public string Configuration { get; }

    public AuditOptions Options { get; }

    public AuditQueue Queue { get; }

    public AuditWriter Writer { get; }

    /// <param name="configure">Settings beyond the stream, key and spool, which are set here.</param>
    public static async Task<StandaloneAuditWriter> StartAsync(string stream, TimeProvider time, Action<AuditOptions>? configure = null)
    {
        var port = FreePort.Next();
        var redis = await RedisServerFixture.StartProcessAsync(port);
        var options = new AuditOptions { Stream = stream, KeyFile = TestAudit.KeyFile, SpoolDirectory = TestAudit.NewSpoolDirectory() };
        configure?.Invoke(options);
        var audit = new StandaloneAuditWriter(redis, null, $"127.0.0.1:{port}", options, time);
        await audit.Writer.StartAsync(CancellationToken.None);
        return audit;
    }

    /// <summary>
    /// Another writer on this one's redis-server and stream, and, unless <paramref name="configure"/>
    /// says otherwise, its spool directory (which this one must have let go of, by being disposed): a
    /// restart. Dispose it before this one.
    /// </summary>
    public async Task<StandaloneAuditWriter> StartAnotherAsync(TimeProvider time, Action<AuditOptions>? configure = null)
    {
        var options = new AuditOptions
        {
            Stream = Options.Stream,
            KeyFile = Options.KeyFile,
            SpoolDirectory = Options.SpoolDirectory,
            InstanceId = Options.InstanceId,
            Durability = Options.Durability,
            FsyncInterval = Options.FsyncInterval,
        };
        configure?.Invoke(options);
        var another = new StandaloneAuditWriter(null, Options.SpoolDirectory, Configuration, options, time);
        await another.Writer.StartAsync(CancellationToken.None);
        return another;
    }

    public async ValueTask DisposeAsync()
    {
        Writer.Dispose();
        await _connection.DisposeAsync();
        RedisServerFixture.Stop(_redis);
        if (Options.SpoolDirectory != _ownersSpool && Directory.Exists(Options.SpoolDirectory))
        {
            Directory.Delete(Options.SpoolDirectory, recursive: true);
        }
    }
}
