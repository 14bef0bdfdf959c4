namespace Gateway.Audit;

/// <summary>
/// How far the audit stream is behind the spool, for the lag gauges. Each fsynced batch notes its
/// last sequence and when it was spooled; Redis confirming a sequence drops the marks it covers.
/// Marks are kept at most one a second, so a long Redis outage costs a few bytes per second and
/// the age is exact to the second. Events a previous process left unsent count in the age (from
/// this process's start) but not in <see cref="Events"/>, which only knows this process's numbers.
/// </summary>
internal sealed class AuditStreamLag(TimeProvider time)
{
    private static readonly TimeSpan MarkResolution = TimeSpan.FromSeconds(1);
    /// <summary>Oldest first; a mark covers the events after the previous mark's up to its own.</summary>
    private readonly LinkedList<(long Through, DateTimeOffset SpooledAt)> _marks = new();
    private readonly Lock _gate = new();
    private long _firstSpooled = long.MaxValue;
    private long _spooledThrough = -1;
    private long _confirmedThrough = -1;

    /// <summary>Events this process spooled and Redis has not confirmed.</summary>
    public long Events
    {
        get
        {
            lock (_gate)
            {
                return _spooledThrough < 0 ? 0 : Math.Max(0, _spooledThrough - Math.Max(_confirmedThrough, _firstSpooled - 1));
            }
        }
    }

    /// <summary>How long the oldest event Redis has not confirmed has waited; zero when none waits.</summary>
    public TimeSpan OldestAge
    {
        get
        {
            lock (_gate)
            {
                return _marks.First is { } oldest ? time.GetUtcNow() - oldest.Value.SpooledAt : TimeSpan.Zero;
            }
        }
    }

    /// <summary>The spool held unsent events at start: they wait from now, as far as this process knows.</summary>
    public void UnsentAtStart(long through)
    {
        lock (_gate)
        {
            _marks.AddLast((through, time.GetUtcNow()));
        }
    }

    /// <summary>Events up to <paramref name="through"/> are fsynced in the spool.</summary>
    public void Spooled(long through)
    {
        lock (_gate)
        {
            _firstSpooled = Math.Min(_firstSpooled, through);
            _spooledThrough = through;
            var now = time.GetUtcNow();
            if (_marks.Last is { } newest && newest.Value.SpooledAt > now - MarkResolution)
            {
                // Within the same second: the newest mark now covers these events too, with its
                // (older) time, so the age errs on the old side.
                newest.Value = (through, newest.Value.SpooledAt);
                return;
            }
            _marks.AddLast((through, now));
        }
    }

    /// <summary>Redis has this instance's events up to <paramref name="through"/>.</summary>
    public void Confirmed(long through)
    {
        lock (_gate)
        {
            _confirmedThrough = Math.Max(_confirmedThrough, through);
            while (_marks.First is { } oldest && oldest.Value.Through <= through)
            {
                _marks.RemoveFirst();
            }
        }
    }
}
