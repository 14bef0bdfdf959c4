using System.Diagnostics;
using System.Net;
using Gateway.Audit;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Audit;

/// <summary>
/// <c>Gateway:Audit:Durability</c>: with <c>stream</c> a response ends only once Redis has its event
/// (or, while Redis does not answer, once the event is fsynced in the spool); with <c>spooled</c>,
/// once its event is fsynced.
/// </summary>
public sealed class AuditDurabilityTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    /// <summary>
    /// Redis holds back every write (<c>CLIENT PAUSE WRITE</c>, which holds scripts too) while the
    /// request runs: its event reaches the spool, but the response stays incomplete until Redis
    /// takes the event, and by the time the client has the whole response the stream has the event.
    /// </summary>
    [Fact]
    public async Task Stream_TheResponseEndsOnlyOnceRedisHasItsEvent()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .WithAudit(redis.Configuration)
            .With("Gateway:Identity:Revocation:Enabled", "false")
            .With("Gateway:Audit:Durability", "stream")
            .With("Gateway:Audit:SendTimeout", "00:01:00")
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(gateway.Url("/api/contacts/warm-up"))).StatusCode);

        Task<HttpResponseMessage> held;
        await server.ExecuteAsync("CLIENT", "PAUSE", "60000", "WRITE");
        try
        {
            held = client.GetAsync(gateway.Url("/api/contacts/held"));
            await WaitUntilAsync(() => SpoolText(gateway.AuditSpoolDirectory!).Contains("/api/contacts/held", StringComparison.Ordinal), "the event never reached the spool");
            Assert.False(held.IsCompleted, "the response ended while Redis did not have its event");
        }
        finally
        {
            await server.ExecuteAsync("CLIENT", "UNPAUSE");
        }
        using var response = await held;
        var events = await TestAudit.ReadAsync(redis.Configuration, gateway.AuditStream!);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestRules.MaskedContactsJson, await response.Content.ReadAsStringAsync());
        Assert.Contains(events, e => e.JsonText.Contains("\"/api/contacts/held\"", StringComparison.Ordinal));
    }

    /// <summary>Redis down: after <c>SendTimeout</c> responses end on the fsynced spool, and their events arrive once Redis is back.</summary>
    [Fact]
    public async Task Stream_WhileRedisDoesNotAnswer_ResponsesEndOnTheFsyncedSpool_AndTheEventsArriveLater()
    {
        var port = FreePort.Next();
        using var crm = CrmStub.StartHttp();
        var gateway = await GatewayUnderTest.For(crm.Url!)
            .WithAudit($"127.0.0.1:{port}")
            .With("Gateway:Identity:Revocation:Enabled", "false")
            .With("Gateway:Audit:Durability", "stream")
            .With("Gateway:Audit:SendTimeout", "00:00:01")
            .StartAsync();
        Process? late = null;
        try
        {
            using var client = GatewayUnderTest.CreateClient();
            using var response = await client.GetAsync(gateway.Url("/api/contacts/while-redis-is-down"));
            var spooled = SpoolText(gateway.AuditSpoolDirectory!);
            late = await RedisServerFixture.StartProcessAsync(port);
            var events = await TestAudit.WaitForAsync($"127.0.0.1:{port}", gateway.AuditStream!, 1, TimeSpan.FromSeconds(30));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("/api/contacts/while-redis-is-down", spooled);
            Assert.Contains(events, e => e.JsonText.Contains("\"/api/contacts/while-redis-is-down\"", StringComparison.Ordinal));
        }
        finally
        {
            await gateway.DisposeAsync();
            RedisServerFixture.Stop(late);
        }
    }

    /// <summary>The interval passes only when the test says so: until then the event cannot have been fsynced, and recording it must not have completed.</summary>
    [Fact]
    public async Task Spooled_RecordingCompletesOnlyOnceTheEventIsFsynced()
    {
        var time = new FakeTimeProvider();
        await using var audit = await StandaloneAuditWriter.StartAsync("gateway:audit:spooled", time, o =>
        {
            o.Durability = "spooled";
            o.FsyncInterval = TimeSpan.FromSeconds(1);
        });

        var recording = audit.Queue.RecordAsync(Request("/api/contacts/spooled")).AsTask();
        var beforeTheInterval = (recording.IsCompleted, SpoolText(audit.Options.SpoolDirectory).Contains("/api/contacts/spooled", StringComparison.Ordinal));
        await WaitUntilAsync(() =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return recording.IsCompleted;
        }, "recording never completed");
        var kept = await recording;
        var spooledWhenKept = SpoolText(audit.Options.SpoolDirectory).Contains("/api/contacts/spooled", StringComparison.Ordinal);
        await audit.Writer.StopAsync(CancellationToken.None);

        Assert.Equal((false, false), beforeTheInterval);
        Assert.True(kept);
        Assert.True(spooledWhenKept);
    }

    private static ApiActivityEvent Request(string path) => new(DateTimeOffset.UtcNow) { Method = "GET", Path = path, StatusCode = 200 };

    /// <summary>Everything in the spool's segment files (read while the gateway writes them).</summary>
    private static string SpoolText(string directory) =>
        string.Concat(Directory.GetFiles(directory, "*.spool").Order().Select(path =>
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(file);
            return reader.ReadToEnd();
        }));

    private static Task WaitUntilAsync(Func<bool> condition, string failure) => Eventually.UntilAsync(condition, failure, TimeSpan.FromSeconds(30));
}
