using Gateway.Audit;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Audit;

public sealed class AuditOptionsValidatorTests : IDisposable
{
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"audit-key-{Guid.NewGuid():N}");

    public AuditOptionsValidatorTests() => File.WriteAllText(_keyFile, Convert.ToBase64String(new byte[32]));

    public void Dispose() => File.Delete(_keyFile);

    [Fact]
    public void Validate_WithRedisAndAKey_Passes()
    {
        Assert.True(Validate(new AuditOptions { KeyFile = _keyFile }, redis: "localhost").Succeeded);
    }

    [Fact]
    public void Validate_WithoutRedis_IsOffAndNeedsNothing()
    {
        Assert.True(Validate(new AuditOptions(), redis: null).Succeeded);
    }

    [Fact]
    public void Validate_EnabledWithoutRedis_SaysRedisIsNeeded()
    {
        var result = Validate(new AuditOptions { Enabled = true, KeyFile = _keyFile }, redis: null);

        Assert.Contains("Gateway:Audit:Enabled: the audit stream lives in Redis", result.FailureMessage);
    }

    [Fact]
    public void Validate_ListsEveryProblem_WithItsSetting()
    {
        File.WriteAllText(_keyFile, "short");
        var options = new AuditOptions
        {
            KeyFile = _keyFile,
            Stream = " ",
            FailMode = "sometimes",
            FsyncInterval = TimeSpan.FromMinutes(5),
            QueueCapacity = 10,
            BatchSize = 0,
            Retention = TimeSpan.FromHours(1),
            SendTimeout = TimeSpan.Zero,
            InstanceId = "has space",
            Durability = "eventually",
        };

        var failures = Validate(options, redis: "localhost").Failures!.ToList();

        foreach (var setting in new[] { "KeyFile", "Stream", "FailMode", "FsyncInterval", "QueueCapacity", "BatchSize", "Retention", "SendTimeout", "InstanceId", "Durability" })
        {
            Assert.Contains(failures, f => f.StartsWith($"Gateway:Audit:{setting}:", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("spooled")]
    [InlineData("stream")]
    public void Validate_ResponsesWaitingForEvents_WithFailModeOpen_IsAContradiction(string durability)
    {
        var result = Validate(new AuditOptions { KeyFile = _keyFile, Durability = durability, FailMode = "open" }, redis: "localhost");

        Assert.Contains($"Gateway:Audit:Durability: '{durability}' holds each response until its event is kept", result.FailureMessage);
    }

    [Theory]
    [InlineData("queued", 10)]
    [InlineData("spooled", 0)]
    [InlineData("stream", 0)]
    public void FsyncIntervalUnset_GathersOnlyWhenResponsesDoNotWaitForTheFsync(string durability, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), new AuditOptions { Durability = durability }.GroupCommitDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(3), new AuditOptions { Durability = durability, FsyncInterval = TimeSpan.FromMilliseconds(3) }.GroupCommitDelay);
    }

    [Fact]
    public void Validate_MissingKeyFile_IsRequired()
    {
        var result = Validate(new AuditOptions(), redis: "localhost");

        Assert.Contains("Gateway:Audit:KeyFile: the audit key file is required.", result.FailureMessage);
    }

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(AuditOptions options, string? redis) =>
        new AuditOptionsValidator(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:Redis:Configuration"] = redis })
            .Build()).Validate(null, options);
}
