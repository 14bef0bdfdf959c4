using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>Keeps what a running gateway logs (message and exception, as text), for tests that wait for a log entry.</summary>
internal sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    /// <summary>The first entry that satisfies <paramref name="match"/>, once there is one; null if none came within <paramref name="within"/> (default 10 s).</summary>
    public Task<string?> WaitForAsync(Func<string, bool> match, TimeSpan? within = null) =>
        Eventually.ValueAsync(() => Task.FromResult(_entries.FirstOrDefault(match)), entry => entry is not null, within);

    /// <summary>Whether an entry that satisfies <paramref name="match"/> has been logged so far.</summary>
    public bool Has(Func<string, bool> match) => _entries.Any(match);

    /// <summary>Every entry so far: "Level Category: message exception".</summary>
    public IReadOnlyCollection<string> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
