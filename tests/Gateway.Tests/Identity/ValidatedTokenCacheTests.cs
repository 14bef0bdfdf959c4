using Gateway.Identity;

namespace Gateway.Tests.Identity;

public sealed class ValidatedTokenCacheTests
{
    [Fact]
    public void Hash_SameToken_SameHash_OtherToken_OtherHash()
    {
        Assert.Equal(ValidatedTokenCache.Hash("a.b.c"), ValidatedTokenCache.Hash("a.b.c"));
        Assert.NotEqual(ValidatedTokenCache.Hash("a.b.c"), ValidatedTokenCache.Hash("a.b.d"));
    }

    [Fact]
    public void Hash_TokenLargerThanTheStackBuffer_Works()
    {
        var token = new string('x', 10_000);

        Assert.Equal(ValidatedTokenCache.Hash(token), ValidatedTokenCache.Hash(token));
    }

    [Fact]
    public void Add_ExpiredEntry_IsNotReturned()
    {
        using var cache = new ValidatedTokenCache(10);
        var hash = ValidatedTokenCache.Hash("a.b.c");

        cache.Add(hash, Entry(DateTimeOffset.UtcNow.AddSeconds(-1)));

        Assert.Null(cache.Get(hash));
    }

    [Fact]
    public void Add_LiveEntry_IsReturned()
    {
        using var cache = new ValidatedTokenCache(10);
        var hash = ValidatedTokenCache.Hash("a.b.c");
        var entry = Entry(DateTimeOffset.UtcNow.AddMinutes(5));

        cache.Add(hash, entry);

        Assert.Same(entry, cache.Get(hash));
    }

    [Fact]
    public void SizeZero_CachesNothing()
    {
        using var cache = new ValidatedTokenCache(0);
        var hash = ValidatedTokenCache.Hash("a.b.c");

        cache.Add(hash, Entry(DateTimeOffset.UtcNow.AddMinutes(5)));

        Assert.Null(cache.Get(hash));
    }

    [Fact]
    public void ManyMoreEntriesThanTheLimit_CountStaysBounded()
    {
        using var cache = new ValidatedTokenCache(100);

        for (var i = 0; i < 1000; i++)
        {
            cache.Add(ValidatedTokenCache.Hash($"token-{i}"), Entry(DateTimeOffset.UtcNow.AddMinutes(5)));
        }

        var held = Enumerable.Range(0, 1000).Count(i => cache.Get(ValidatedTokenCache.Hash($"token-{i}")) is not null);
        Assert.InRange(held, 1, 100);
    }

    private static CachedToken Entry(DateTimeOffset expires) =>
        new(new GatewayIdentity("idp", "user", null, null, new HashSet<string> { "r" }, false, expires), null!, null);
}
