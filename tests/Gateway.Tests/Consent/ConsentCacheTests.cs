using Gateway.Consent;
using Gateway.Masking;
using Gateway.Purpose;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Consent;

public sealed class ConsentCacheTests
{
    private static readonly ConsentRecord Granted = new(ConsentRecord.Granted, DateTimeOffset.UnixEpoch, "test");

    [Fact]
    public void BeyondMaxEntries_TheCacheStartsAfresh_AndKeepsCaching()
    {
        var cache = Cache(maxEntries: 3);
        cache.Listening(true);
        for (var i = 0; i < 3; i++)
        {
            cache.Add(Subject(i), "marketing", Granted, cache.Generation);
        }
        Assert.True(cache.TryGet(Subject(0), "marketing", out _));

        cache.Add(Subject(3), "marketing", Granted, cache.Generation);

        Assert.False(cache.TryGet(Subject(0), "marketing", out _));
        Assert.True(cache.TryGet(Subject(3), "marketing", out var record));
        Assert.Same(Granted, record);
    }

    [Fact]
    public void StoringTheSameAnswerAgain_DoesNotCountTwice()
    {
        var cache = Cache(maxEntries: 2);
        cache.Listening(true);
        for (var i = 0; i < 10; i++)
        {
            cache.Add(Subject(0), "marketing", Granted, cache.Generation);
        }

        cache.Add(Subject(1), "marketing", Granted, cache.Generation);

        Assert.True(cache.TryGet(Subject(0), "marketing", out _));
        Assert.True(cache.TryGet(Subject(1), "marketing", out _));
    }

    [Fact]
    public void EvictedEntries_FreeTheirPlace()
    {
        var cache = Cache(maxEntries: 2);
        cache.Listening(true);
        cache.Add(Subject(0), "marketing", Granted, cache.Generation);
        cache.Add(Subject(1), "marketing", Granted, cache.Generation);
        cache.Evict(Subject(0));

        cache.Add(Subject(2), "marketing", Granted, cache.Generation);

        Assert.True(cache.TryGet(Subject(1), "marketing", out _));
        Assert.True(cache.TryGet(Subject(2), "marketing", out _));
    }

    private static SubjectHash Subject(int i) => new((UInt128)i);

    private static ConsentCache Cache(int maxEntries) => new(
        Options.Create(new ConsentOptions { CacheMaxEntries = maxEntries }),
        Options.Create(new PurposeOptions { Catalog = { ["marketing"] = new PurposeDefinition() } }),
        TimeProvider.System);
}
