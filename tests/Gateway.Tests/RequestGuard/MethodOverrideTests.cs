using Gateway.RequestGuard;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.RequestGuard;

public sealed class MethodOverrideTests
{
    [Theory]
    [InlineData("?_method=DELETE")]
    [InlineData("?_METHOD=put")]
    [InlineData("?a=1&_method=DELETE")]
    [InlineData("?a=1;_method=DELETE")]
    [InlineData("?_method")]
    [InlineData("?%5Fmethod=DELETE")]
    [InlineData("?%5f%6d%65%74%68%6f%64=DELETE")]
    [InlineData("?_HttpMethod=PATCH")]
    [InlineData("?x-http-method-override=DELETE")]
    [InlineData("?X-Method-Override=DELETE")]
    public void IsRequested_OverrideQueryKey_IsFound(string query)
    {
        Assert.True(MethodOverride.IsRequested(new HeaderDictionary(), new QueryString(query)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("?method=DELETE")]
    [InlineData("?_methods=DELETE")]
    [InlineData("?q=_method")]
    [InlineData("?+_method=DELETE")]
    [InlineData("?%255Fmethod=DELETE")]
    [InlineData("?__method=DELETE")]
    public void IsRequested_OrdinaryQuery_IsNotAnOverride(string query)
    {
        Assert.False(MethodOverride.IsRequested(new HeaderDictionary(), query.Length == 0 ? QueryString.Empty : new QueryString(query)));
    }

    [Theory]
    [InlineData("X-HTTP-Method-Override")]
    [InlineData("x-http-method")]
    [InlineData("X-Method-Override")]
    public void IsRequested_OverrideHeader_EvenEmpty_IsFound(string header)
    {
        Assert.True(MethodOverride.IsRequested(new HeaderDictionary { [header] = "" }, QueryString.Empty));
    }
}
