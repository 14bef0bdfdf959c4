using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>Keeps what a running gateway logs (message and exception, as text), for tests that wait for a log entry.</summary>
internal sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    /// <summary>Everything logged so far.</summary>
    public IEnumerable<string> Entries => _entries;

    /// <summary>Polls for an entry that satisfies <paramref name="match"/>, for at most <paramref name="within"/> (default 10 s).</summary>
    public async Task<string?> WaitForAsync(Func<string, bool> match, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if (_entries.FirstOrDefault(match) is { } entry)
            {
                return entry;
            }
            if (DateTime.UtcNow > deadline)
            {
                return null;
            }
            await Task.Delay(50);
        }
    }

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
