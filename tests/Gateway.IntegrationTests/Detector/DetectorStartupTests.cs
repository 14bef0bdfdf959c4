using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Detector;

/// <summary>The detector inside the gateway: its settings are checked with the gateway's, every problem at once.</summary>
public sealed class DetectorStartupTests
{
    [Fact]
    public async Task InProcess_WithoutRedis_AndWithABadRule_StopsStartupNamingEach()
    {
        await using var gateway = GatewayUnderTest.For("https://crm.example.com/")
            .With("Gateway:Redis:Configuration", null)
            .With("Gateway:Detector:InProcess", "true")
            .With("Gateway:Detector:Containment:Rules:0:MinScore", "80")
            .With("Gateway:Detector:Containment:Rules:0:Action", "quarantine")
            .With("Gateway:Detector:TimeZone", "Nowhere/Special");

        var failures = await StartupFailures.Of(gateway);

        Assert.Contains(failures, f => f.StartsWith("Gateway:Detector:InProcess: the detector reads the audit stream in Redis", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Detector:Containment:Rules:0:Action: 'quarantine' is not alert, tighten or suspend", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Detector:TimeZone: 'Nowhere/Special'", StringComparison.Ordinal));
    }
}
