using Microsoft.Extensions.Time.Testing;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also tells a test when a component starts a timer on it,
/// so that the test moves time on once the component is waiting (a positive signal) instead of
/// sleeping and hoping it is. Starts at the machine's now, so that tokens minted by the machine's
/// clock are current. Register it with <see cref="GatewayUnderTest.WithServices"/>.
/// </summary>
public sealed class FakeClock : FakeTimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<(TimeSpan DueTime, TimeSpan Period)> _started = [];
    private readonly List<(Func<TimeSpan, TimeSpan, bool> Matches, TaskCompletionSource Seen)> _awaited = [];

    public FakeClock()
        : base(DateTimeOffset.UtcNow)
    {
    }

    /// <summary>Completes once a timer firing every <paramref name="period"/> runs (started before or after this call): a component's poll loop is on.</summary>
    public Task PollingEveryAsync(TimeSpan period) =>
        WithinDeadline(Awaiting((_, every) => every == period, alreadyStarted: true), $"No timer firing every {period} was started");

    /// <summary>
    /// Completes once a one-shot timer due in <paramref name="dueTime"/> is started after this call
    /// (<c>Task.Delay(dueTime, clock)</c>, <c>new CancellationTokenSource(dueTime, clock)</c>...): the
    /// component waits for that time to pass. Call it before what makes the component wait.
    /// </summary>
    public Task WaitingForAsync(TimeSpan dueTime) =>
        WithinDeadline(Awaiting((due, every) => due == dueTime && every == Timeout.InfiniteTimeSpan, alreadyStarted: false), $"No timer due in {dueTime} was started");

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ObservedTimer(this, base.CreateTimer(callback, state, dueTime, period));
        Started(dueTime, period);
        return timer;
    }

    /// <summary>Fails the test with <paramref name="failure"/> if the timer does not come within <see cref="Eventually.DefaultTimeout"/> of the machine's clock.</summary>
    private static async Task WithinDeadline(Task seen, string failure)
    {
        try
        {
            await seen.WaitAsync(Eventually.DefaultTimeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{failure} within {Eventually.DefaultTimeout.TotalSeconds:0} s.");
        }
    }

    private Task Awaiting(Func<TimeSpan, TimeSpan, bool> matches, bool alreadyStarted)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (alreadyStarted && _started.Any(timer => matches(timer.DueTime, timer.Period)))
            {
                seen.SetResult();
            }
            else
            {
                _awaited.Add((matches, seen));
            }
        }
        return seen.Task;
    }

    private void Started(TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            return;
        }
        List<TaskCompletionSource> seen;
        lock (_gate)
        {
            _started.Add((dueTime, period));
            seen = [.. _awaited.Where(a => a.Matches(dueTime, period)).Select(a => a.Seen)];
            _awaited.RemoveAll(a => seen.Contains(a.Seen));
        }
        seen.ForEach(s => s.SetResult());
    }

    /// <summary>The fake timer, reporting when it is started again.</summary>
    private sealed class ObservedTimer(FakeClock clock, ITimer timer) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = timer.Change(dueTime, period);
            clock.Started(dueTime, period);
            return changed;
        }

        public void Dispose() => timer.Dispose();

        public ValueTask DisposeAsync() => timer.DisposeAsync();
    }
}
