using Gateway.Core.Consent;
using Gateway.Core.Purpose;
using Microsoft.Extensions.Options;

namespace Gateway.Core.Tests.Consent;

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
            cache.Add($"s{i}", "marketing", Granted, cache.Generation);
        }
        Assert.True(cache.TryGet("s0", "marketing", out _));

        cache.Add("s3", "marketing", Granted, cache.Generation);

        Assert.False(cache.TryGet("s0", "marketing", out _));
        Assert.True(cache.TryGet("s3", "marketing", out var record));
        Assert.Same(Granted, record);
    }

    [Fact]
    public void StoringTheSameAnswerAgain_DoesNotCountTwice()
    {
        var cache = Cache(maxEntries: 2);
        cache.Listening(true);
        for (var i = 0; i < 10; i++)
        {
            cache.Add("s0", "marketing", Granted, cache.Generation);
        }

        cache.Add("s1", "marketing", Granted, cache.Generation);

        Assert.True(cache.TryGet("s0", "marketing", out _));
        Assert.True(cache.TryGet("s1", "marketing", out _));
    }

    [Fact]
    public void EvictedEntries_FreeTheirPlace()
    {
        var cache = Cache(maxEntries: 2);
        cache.Listening(true);
        cache.Add("s0", "marketing", Granted, cache.Generation);
        cache.Add("s1", "marketing", Granted, cache.Generation);
        cache.Evict("s0");

        cache.Add("s2", "marketing", Granted, cache.Generation);

        Assert.True(cache.TryGet("s1", "marketing", out _));
        Assert.True(cache.TryGet("s2", "marketing", out _));
    }

    private static ConsentCache Cache(int maxEntries) => new(
        Options.Create(new ConsentOptions { CacheMaxEntries = maxEntries }),
        Options.Create(new PurposeOptions { Catalog = { ["marketing"] = new PurposeDefinition() } }),
        TimeProvider.System);
}
