using System.Diagnostics;
using Gateway.Core.Audit;
using Gateway.Core.Redis;
using Gateway.Core.Telemetry;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OptionsOf = Microsoft.Extensions.Options.Options;

namespace Gateway.IntegrationTests.Audit;

/// <summary>The audit writer on its own, without a gateway: its queue, a spool of its own and a redis-server of its own.</summary>
internal sealed class StandaloneAuditWriter : IAsyncDisposable
{
    private readonly Process _redis;
    private readonly RedisConnection _connection;

    private StandaloneAuditWriter(Process redis, string configuration, AuditOptions options, TimeProvider time)
    {
        _redis = redis;
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
        var audit = new StandaloneAuditWriter(redis, $"127.0.0.1:{port}", options, time);
        await audit.Writer.StartAsync(CancellationToken.None);
        return audit;
    }

    public async ValueTask DisposeAsync()
    {
        Writer.Dispose();
        await _connection.DisposeAsync();
        RedisServerFixture.Stop(_redis);
        if (Directory.Exists(Options.SpoolDirectory))
        {
            Directory.Delete(Options.SpoolDirectory, recursive: true);
        }
    }
}
