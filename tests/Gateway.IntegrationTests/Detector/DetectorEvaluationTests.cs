using Gateway.Detector;
using Gateway.Detector.Evaluation;
using Gateway.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Detector;

/// <summary>
/// A small, fast run of the detector's evaluation (docs/alerts.md has the full one): a seeded
/// week of 20 principals after two weeks of history, every incident type injected once, through
/// the real masker, chain, detector and a real redis-server.
/// </summary>
public sealed class DetectorEvaluationTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task SmallWeek_EveryIncidentTypeIsDetected_AndTheCleanPartRaisesNoAlert()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var workload = Workload.Generate(new WorkloadSettings(Seed: 7, Principals: 20, Contacts: 5_000));
        var options = new DetectorOptions
        {
            Containment = new ContainmentOptions
            {
                Rules =
                [
                    new ContainmentRule { MinScore = 70, Action = "tighten", Factor = 0.1, Duration = TimeSpan.FromMinutes(15) },
                    new ContainmentRule { MinScore = 85, Action = "suspend", Duration = TimeSpan.FromMinutes(15) },
                ],
            },
        };

        var report = await new EvaluationRun(connection, $"eval:{Guid.NewGuid():N}", TimeProvider.System).RunAsync(workload, options, CancellationToken.None);

        Assert.Equal(["bulk_crawl", "consent_probing", "off_hours_bulk", "slow_crawl", "token_probing", "token_replay"], report.PerKind.Select(k => k.Kind).Order());
        Assert.All(report.PerKind, kind => Assert.True(kind.Detected == kind.Injected, $"{kind.Kind}: {kind.Detected} of {kind.Injected} found\n{report.Format()}"));
        Assert.True(report.FalseAlerts == 0, report.Format());
        Assert.NotEmpty(report.ContainmentMilliseconds);
    }
}
