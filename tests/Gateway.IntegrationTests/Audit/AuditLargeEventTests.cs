using System.Diagnostics;
using Gateway.Core.Audit;
using Gateway.Core.Consent;
using Gateway.Core.Masking;
using Gateway.Core.Redis;
using Gateway.Core.Telemetry;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.IntegrationTests.Audit;

/// <summary>
/// A list of 10 000 records makes an event of megabytes (every subject as a resource and as a
/// consent decision); the writer spools such events a megabyte at a time and still loses none.
/// </summary>
public sealed class AuditLargeEventTests : IDisposable
{
    private const int Events = 6;
    private const int Subjects = 10_000;
    private readonly string _spool = TestAudit.NewSpoolDirectory();
    private readonly int _redisPort = FreePort.Next();
    private Process? _redis;

    [Fact]
    public async Task EventsOfMegabytes_InOneBurst_AllArrive_Chained_WithEverySubjectHashed()
    {
        _redis = await RedisServerFixture.StartProcessAsync(_redisPort);
        var configuration = $"127.0.0.1:{_redisPort}";
        var options = new AuditOptions { Stream = "gateway:audit:large", KeyFile = TestAudit.KeyFile, SpoolDirectory = _spool };
        var metrics = new GatewayMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var queue = new AuditQueue(Options.Create(options), metrics, NullLogger<AuditQueue>.Instance);
        await using var connection = new RedisConnection(Options.Create(new RedisOptions { Configuration = configuration }), NullLogger<RedisConnection>.Instance);
        using var writer = new AuditWriter(queue, Options.Create(options), connection, metrics, TimeProvider.System, NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);

        for (var i = 0; i < Events; i++)
        {
            await queue.RecordAsync(LargeEvent(i));
        }

        var events = await TestAudit.WaitForAsync(configuration, options.Stream, Events, TimeSpan.FromSeconds(60));
        await writer.StopAsync(CancellationToken.None);
        Assert.Equal(Events, events.Count);
        Assert.Equal(Enumerable.Range(1, Events).Select(i => (long)i), events.Select(e => e.Sequence!.Value));
        var verifier = new AuditChainVerifier(TestAudit.Keys);
        foreach (var record in events)
        {
            verifier.Check(record.EntryId, record);
            Assert.True(record.Json.Length > 1024 * 1024, $"an event of {record.Json.Length} bytes is not the large event this test is about");
            var root = record.Document.RootElement;
            Assert.Equal(Subjects, root.GetProperty("resources").GetArrayLength());
            Assert.Equal(TestAudit.Keys.Pseudonym("c-09999"), root.GetProperty("resources")[Subjects - 1].GetProperty("uid").GetString());
            var consent = root.GetProperty("unmapped").GetProperty("consent");
            Assert.Equal(Subjects, consent.GetArrayLength());
            Assert.Equal(TestAudit.Keys.Pseudonym("c-00007"), consent[7].GetProperty("subject").GetString());
        }
        Assert.Empty(verifier.Breaks);
    }

    private static ApiActivityEvent LargeEvent(int index)
    {
        var subjects = new SubjectIdList();
        var consent = new ConsentReport("marketing", "consent", Subjects);
        for (var i = 0; i < Subjects; i++)
        {
            var id = $"c-{i:00000}";
            subjects.Add(id);
            consent.Add(TestAudit.Keys.Pseudonym(id), "allowed", "granted");
        }
        return new ApiActivityEvent(DateTimeOffset.UtcNow)
        {
            Method = "GET",
            Path = $"/api/contacts?page={index}",
            StatusCode = 200,
            Masking = new MaskingReport("v-1", "contact", Subjects, subjects, new Dictionary<string, int> { ["contact:partial"] = Subjects }),
            Consent = consent,
        };
    }

    public void Dispose()
    {
        RedisServerFixture.Stop(_redis);
        if (Directory.Exists(_spool))
        {
            Directory.Delete(_spool, recursive: true);
        }
    }
}
