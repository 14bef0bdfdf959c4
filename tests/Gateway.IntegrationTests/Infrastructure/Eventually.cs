using System.Diagnostics;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// Waits for what a test can only observe from outside (an HTTP answer, a stream's length, a file,
/// a log entry, a process that comes up) by asking again until it holds or a deadline passes. The
/// one place in the tests that waits on the machine's clock: how often it asks is its business,
/// not each test's. Time that the gateway itself waits for is moved on with a <see cref="FakeClock"/>
/// instead.
/// </summary>
public static class Eventually
{
    /// <summary>How long a wait lasts unless the test says otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Until <paramref name="condition"/> holds; fails the test with <paramref name="failure"/> if it does not within <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string failure, TimeSpan? timeout = null)
    {
        if (!await HoldsWithinAsync(condition, timeout))
        {
            Assert.Fail($"{failure} (waited {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s)");
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, string, TimeSpan?)"/>
    public static Task UntilAsync(Func<bool> condition, string failure, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), failure, timeout);

    /// <summary>Whether <paramref name="condition"/> came to hold within <paramref name="timeout"/>: for a test whose own assertion says what went wrong.</summary>
    public static async Task<bool> HoldsWithinAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed >= limit)
            {
                return false;
            }
            await Task.Delay(PollInterval);
        }
        return true;
    }

    /// <inheritdoc cref="HoldsWithinAsync(Func{Task{bool}}, TimeSpan?)"/>
    public static Task<bool> HoldsWithinAsync(Func<bool> condition, TimeSpan? timeout = null) =>
        HoldsWithinAsync(() => Task.FromResult(condition()), timeout);

    /// <summary>Reads until <paramref name="done"/> says the value is the one awaited, or <paramref name="timeout"/> has passed; returns the last value read, for the test to assert on.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null)
    {
        var value = default(T)!;
        await HoldsWithinAsync(async () => done(value = await read()), timeout);
        return value;
    }
}
