using System.Diagnostics;
using System.Net;
using Gateway.Audit;
using Gateway.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests.Audit;

/// <summary>
/// docker stop, a rolling update: SIGTERM while Redis is down. The gateway must stop promptly (an
/// orchestrator kills it after its grace period, 10 s for docker) and keep every answered request's
/// event in its spool, for the next start to send.
/// </summary>
public sealed class AuditStopWithRedisDownTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _redisData = Directory.CreateTempSubdirectory("audit-redis-").FullName;
    private readonly int _redisPort = FreePort.Next();
    private Process? _redis;

    /// <param name="afterFirstAttempt">Whether the gateway's first attempt to connect had ended (Redis down for a while) or was still under way (stopped right after start).</param>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Sigterm_WithRedisDown_StopsWithinSeconds_AndTheNextStartSendsEveryEvent(bool afterFirstAttempt)
    {
        const int Requests = 50;
        using var crm = CrmStub.StartHttp();
        await using var settings = GatewayUnderTest.For(crm.Url!)
            .WithAudit($"127.0.0.1:{_redisPort}")
            .With("Logging:LogLevel:Default", "Information")
            .With("Logging:Console:FormatterOptions:TimestampFormat", "HH:mm:ss.fff ");
        using var client = GatewayUnderTest.CreateClient();

        TimeSpan took;
        int exitCode;
        using (var first = await GatewayProcess.StartAsync(settings))
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, Requests).Select(async _ =>
            {
                using var response = await client.GetAsync(settings.Url("/api/contacts"));
                return response.StatusCode;
            }));
            Assert.All(answers, status => Assert.Equal(HttpStatusCode.ServiceUnavailable, status));
            if (afterFirstAttempt)
            {
                await WaitForOutputAsync(first, "Gateway.Redis.RedisConnection[1400]");
            }
            (took, exitCode) = await first.TerminateAsync(TimeSpan.FromSeconds(30));
            log.WriteLine($"stopped {took.TotalMilliseconds:0} ms after SIGTERM");
            Assert.True(took < TimeSpan.FromSeconds(5), $"stopping took {took.TotalSeconds:0.0} s:\n{string.Join('\n', first.Output.TakeLast(30))}");
        }
        Assert.Equal(0, exitCode);

        _redis = await RedisServerFixture.StartProcessAsync(_redisPort, _redisData);
        using var second = await GatewayProcess.StartAsync(settings);
        var events = await TestAudit.WaitForDistinctAsync($"127.0.0.1:{_redisPort}", settings.AuditStream!, Requests, TimeSpan.FromSeconds(30));
        var verifier = new AuditChainVerifier(TestAudit.Keys);
        foreach (var record in events)
        {
            verifier.Check(record.EntryId, record);
        }
        Assert.Equal(Requests, events.DistinctBy(e => e.EventId).Count());
        Assert.Empty(verifier.Breaks);
        Assert.Empty(verifier.Gaps);
    }

    private static Task WaitForOutputAsync(GatewayProcess gateway, string text) =>
        Eventually.UntilAsync(() => gateway.Output.Any(line => line.Contains(text, StringComparison.Ordinal)), $"the gateway never logged {text}", TimeSpan.FromSeconds(30));

    public void Dispose()
    {
        RedisServerFixture.Stop(_redis);
        Directory.Delete(_redisData, recursive: true);
    }
}
