using System.Text;
using Gateway.Audit;
using Gateway.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Audit;

/// <summary>A batch reaches the stream whole or not at all, whatever point of it the connection is lost at, and trims what is past the retention.</summary>
public sealed class AuditStreamSenderTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const int BatchSize = 200;

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.95)]
    public async Task ConnectionCutMidBatch_NoneOfItArrives_ThenTheResendArrivesWholeAndInOrder(double cutAt)
    {
        var stream = $"gateway:audit:cut-{Guid.NewGuid():N}";
        var sender = new AuditStreamSender(new AuditOptions { Stream = stream, BatchSize = BatchSize }, "gw", TimeProvider.System);
        var lines = Enumerable.Range(1, BatchSize).Select(Line).ToList();
        using var relay = new CuttingRelay(redis.Port);
        await using var viaRelay = await ConnectThroughAsync(relay);
        await using var direct = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var batchBytes = lines.Sum(l => l.Json.Length + l.Hash.Length);

        relay.CutAfter((long)(batchBytes * cutAt));
        await Assert.ThrowsAnyAsync<RedisException>(() => sender.SendAsync(viaRelay.GetDatabase(), lines, DateTimeOffset.UtcNow, evenIfNotAfterLast: false, CancellationToken.None));
        var afterCut = await direct.GetDatabase().StreamLengthAsync(stream);
        await sender.SendAsync(viaRelay.GetDatabase(), lines, DateTimeOffset.UtcNow, evenIfNotAfterLast: false, CancellationToken.None);
        var entries = await direct.GetDatabase().StreamRangeAsync(stream);

        Assert.Equal(1, relay.Cuts);
        Assert.Equal(0, afterCut);
        Assert.Equal(lines.Select(l => Encoding.UTF8.GetString(l.Json.Span)), entries.Select(e => (string)e[AuditRecord.EventField]!));
    }

    [Fact]
    public async Task BatchRedisRefuses_IsNotReportedSent_AndNothingOfItIsAdded()
    {
        var stream = $"gateway:audit:refused-{Guid.NewGuid():N}";
        var sender = new AuditStreamSender(new AuditOptions { Stream = stream, BatchSize = BatchSize }, "gw", TimeProvider.System);
        await using var direct = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        await direct.GetDatabase().StringSetAsync(stream, "not a stream");

        await Assert.ThrowsAnyAsync<RedisException>(() => sender.SendAsync(direct.GetDatabase(), [Line(1), Line(2)], DateTimeOffset.UtcNow, evenIfNotAfterLast: false, CancellationToken.None));
        Assert.Equal("not a stream", await direct.GetDatabase().StringGetAsync(stream));
    }

    /// <summary>
    /// More expired entries than one approximate trim removes (10 000): a gateway serving more than
    /// that a minute outgrew its retention when only a timer trimmed the stream once a minute.
    /// </summary>
    [Fact]
    public async Task EachBatchTrimsEntriesPastTheRetention_BeyondWhatOneTrimRemoves()
    {
        const int expired = 25_000;
        var stream = $"gateway:audit:trim-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow;
        var sender = new AuditStreamSender(new AuditOptions { Stream = stream, Retention = TimeSpan.FromDays(1) }, "gw", TimeProvider.System);
        await using var direct = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var database = direct.GetDatabase();
        var twoDaysAgo = now.AddDays(-2).ToUnixTimeMilliseconds();
        await Task.WhenAll(Enumerable.Range(1, expired).Select(i => database.StreamAddAsync(stream, AuditRecord.EventField, "expired", $"{twoDaysAgo}-{i}")));
        var oldestKept = $"{now.AddDays(-1).ToUnixTimeMilliseconds()}-0";

        for (var batch = 0; batch < 3; batch++)
        {
            await sender.SendAsync(database, [Line((2 * batch) + 1), Line((2 * batch) + 2)], now, evenIfNotAfterLast: false, CancellationToken.None);
        }
        var expiredLeft = (await database.StreamRangeAsync(stream, "-", $"({oldestKept}")).Length;
        var sent = await database.StreamRangeAsync(stream, oldestKept, "+");

        Assert.InRange(expiredLeft, 0, 99);
        Assert.Equal(Enumerable.Range(1, 6).Select(n => Encoding.UTF8.GetString(Line(n).Json.Span)), sent.Select(e => (string)e[AuditRecord.EventField]!));
    }

    /// <summary>An id before 0-0 would fail the script after its XADDs, and the batch would be sent again and again.</summary>
    [Fact]
    public async Task RetentionReachingBeforeTheEpoch_TrimsNothing_AndTheBatchArrivesOnce()
    {
        var stream = $"gateway:audit:ancient-{Guid.NewGuid():N}";
        var sender = new AuditStreamSender(new AuditOptions { Stream = stream, Retention = TimeSpan.FromDays(365 * 100) }, "gw", TimeProvider.System);
        await using var direct = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        await direct.GetDatabase().StreamAddAsync(stream, AuditRecord.EventField, "early", "1-0");

        await sender.SendAsync(direct.GetDatabase(), [Line(1), Line(2)], DateTimeOffset.UtcNow, evenIfNotAfterLast: false, CancellationToken.None);

        Assert.Equal(3, await direct.GetDatabase().StreamLengthAsync(stream));
    }

    /// <summary>Through the relay, with no subscription connection: the cut is meant for the connection that carries the batch.</summary>
    private static async Task<ConnectionMultiplexer> ConnectThroughAsync(CuttingRelay relay)
    {
        var configuration = new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", relay.Port } },
            CommandMap = CommandMap.Create(new HashSet<string> { "SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "SSUBSCRIBE", "SUNSUBSCRIBE" }, available: false),
            AbortOnConnectFail = false,
        };
        return await ConnectionMultiplexer.ConnectAsync(configuration);
    }

    private static SpoolLine Line(int number) =>
        new(Encoding.UTF8.GetBytes($"hash-{number:D4}"), Encoding.UTF8.GetBytes($$"""{"n":{{number}},"pad":"{{new string('x', 200)}}"}"""), number);
}
