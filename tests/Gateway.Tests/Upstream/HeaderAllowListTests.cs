using Gateway.Upstream;

namespace Gateway.Tests.Upstream;

public sealed class HeaderAllowListTests
{
    private static readonly HeaderDenyList Never = new(["Cookie"], ["X-Forwarded-"], "test reason.");

    [Theory]
    [InlineData("Accept", true)]
    [InlineData("accept", true)]
    [InlineData("X-RateLimit-Remaining", true)]
    [InlineData("x-ratelimit-reset", true)]
    [InlineData("X-RateLimit", false)]
    [InlineData("Accept-Language", false)]
    [InlineData("Cookie", false)]
    [InlineData("X-Forwarded-Host", false)]
    public void Allows_NamesAndPrefixes_NeverWhatTheDenyListHolds(string name, bool allowed)
    {
        var list = new HeaderAllowList(["Accept", " X-RateLimit-* ", "X-Forwarded-*", "Cookie"], Never);

        Assert.Equal(allowed, list.Allows(name));
    }

    [Fact]
    public void With_AddsARoutesEntries_WithoutChangingTheGlobalList()
    {
        var global = new HeaderAllowList(["Accept"], Never);

        var route = global.With(HeaderAllowList.Split(" Sforce-* ,X-Partner-Id,, "));

        Assert.True(route.Allows("Sforce-Auto-Assign"));
        Assert.True(route.Allows("X-Partner-Id"));
        Assert.True(route.Allows("Accept"));
        Assert.False(global.Allows("Sforce-Auto-Assign"));
    }

    [Theory]
    [InlineData("*", "would let every header through")]
    [InlineData("Bad Header", "is neither a header name")]
    [InlineData("X-*-Id", "is neither a header name")]
    [InlineData("X-Key:", "is neither a header name")]
    [InlineData("cookie", "can never be let through: test reason.")]
    [InlineData("X-Forwarded-*", "can never be let through")]
    public void Problem_NamesWhatIsWrong(string entry, string expected)
    {
        Assert.Contains(expected, HeaderAllowList.Problem(entry, Never));
    }

    [Theory]
    [InlineData("Accept")]
    [InlineData("Sforce-*")]
    [InlineData("X-*")]
    public void Problem_GoodEntry_IsNull(string entry)
    {
        Assert.Null(HeaderAllowList.Problem(entry, Never));
    }
}
