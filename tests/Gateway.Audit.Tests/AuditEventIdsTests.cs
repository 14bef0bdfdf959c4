namespace Gateway.Audit.Tests;

public sealed class AuditEventIdsTests
{
    private static readonly DateTimeOffset Time = new(2026, 11, 24, 10, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void Id_IsAnRfc9562Version7Uuid_WithTheTimeInItsFirst48Bits()
    {
        var id = AuditEventIds.CreateVersion7(Time);

        Assert.Equal(7, id.Version);
        Assert.Equal(0b10, id.Variant >> 2);
        var hex = id.ToString("N");
        Assert.Equal(Time.ToUnixTimeMilliseconds(), Convert.ToInt64(hex[..12], 16));
        Assert.Equal(Guid.CreateVersion7(Time).ToString("N")[..13], hex[..13]);
    }

    [Fact]
    public void ManyIds_AcrossBufferRefillsAndThreads_AreAllDifferent()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<Guid>();

        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                ids.Add(AuditEventIds.CreateVersion7(Time));
            }
        });

        Assert.Equal(8_000, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(7, id.Version));
    }

    [Fact]
    public void Ids_OfLaterTimes_SortAfterEarlierOnes()
    {
        var earlier = AuditEventIds.CreateVersion7(Time);
        var later = AuditEventIds.CreateVersion7(Time.AddMilliseconds(1));

        Assert.True(string.CompareOrdinal(earlier.ToString("N"), later.ToString("N")) < 0);
    }

    [Fact]
    public void TimeBeforeTheUnixEpoch_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AuditEventIds.CreateVersion7(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
    }
}
