using Gateway.Upstream;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Upstream;

public sealed class InsecureUpstreamWarningTests
{
    [Fact]
    public async Task Start_AllowInsecure_LogsWarning()
    {
        var logger = new RecordingLogger<InsecureUpstreamWarning>();

        await new InsecureUpstreamWarning(Options.Create(new UpstreamOptions { AllowInsecure = true }), logger).StartAsync(default);

        var (level, message) = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Contains("local development only", message);
    }

    [Fact]
    public async Task Start_Secure_LogsNothing()
    {
        var logger = new RecordingLogger<InsecureUpstreamWarning>();

        await new InsecureUpstreamWarning(Options.Create(new UpstreamOptions()), logger).StartAsync(default);

        Assert.Empty(logger.Entries);
    }

    private sealed class RecordingLogger<T> : ILogger<T>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
