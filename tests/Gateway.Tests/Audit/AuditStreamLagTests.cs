using Gateway.Audit;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Audit;

public sealed class AuditStreamLagTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void Nothing_spooled_is_no_lag()
    {
        var lag = new AuditStreamLag(_clock);

        Assert.Equal(0, lag.Events);
        Assert.Equal(TimeSpan.Zero, lag.OldestAge);
    }

    [Fact]
    public void Unconfirmed_events_are_counted_and_aged_from_their_spooling_until_redis_confirms_them()
    {
        var lag = new AuditStreamLag(_clock);
        lag.Spooled(10);
        _clock.Advance(TimeSpan.FromSeconds(3));
        lag.Spooled(25);
        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(25 - 10 + 1, lag.Events);
        Assert.Equal(TimeSpan.FromSeconds(5), lag.OldestAge);

        lag.Confirmed(10);
        Assert.Equal(15, lag.Events);
        Assert.Equal(TimeSpan.FromSeconds(2), lag.OldestAge);

        lag.Confirmed(25);
        Assert.Equal(0, lag.Events);
        Assert.Equal(TimeSpan.Zero, lag.OldestAge);
    }

    [Fact]
    public void Batches_within_a_second_share_the_older_mark_so_the_age_never_understates()
    {
        var lag = new AuditStreamLag(_clock);
        lag.Spooled(1);
        _clock.Advance(TimeSpan.FromMilliseconds(400));
        lag.Spooled(2);
        _clock.Advance(TimeSpan.FromSeconds(4));

        // Confirming event 1 alone leaves event 2, spooled 400 ms after it, aged from event 1's mark.
        lag.Confirmed(1);

        Assert.Equal(1, lag.Events);
        Assert.Equal(TimeSpan.FromMilliseconds(4400), lag.OldestAge);
    }

    [Fact]
    public void Events_a_previous_process_left_unsent_age_from_the_start()
    {
        var lag = new AuditStreamLag(_clock);
        lag.UnsentAtStart(7);
        _clock.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(30), lag.OldestAge);
        lag.Confirmed(7);
        Assert.Equal(TimeSpan.Zero, lag.OldestAge);
    }
}
