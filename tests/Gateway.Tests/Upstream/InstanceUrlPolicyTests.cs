using Gateway.Upstream;

namespace Gateway.Tests.Upstream;

public sealed class InstanceUrlPolicyTests
{
    [Theory]
    [InlineData("https://acme.my.salesforce.com", "*.my.salesforce.com")]
    [InlineData("https://acme.my.salesforce.com/", "*.my.salesforce.com")]
    [InlineData("https://ACME--uat.Sandbox.My.Salesforce.com", "*.my.salesforce.com")]
    [InlineData("https://acme.my.salesforce.com", "acme.my.salesforce.com")]
    [InlineData("https://acme.my.salesforce.com:8443", "*.my.salesforce.com:8443")]
    [InlineData("https://acme.my.salesforce.com:443", "*.my.salesforce.com")]
    public void Check_AllowedOrigin_GivesTheUrl(string instanceUrl, string pattern)
    {
        var problem = InstanceUrlPolicy.Check(instanceUrl, [pattern], allowInsecure: false, out var uri);

        Assert.Null(problem);
        Assert.Equal(new Uri(instanceUrl).Host, uri!.Host);
    }

    [Theory]
    [InlineData(null, "has no instance_url")]
    [InlineData("acme.my.salesforce.com", "not an absolute https:// URL")]
    [InlineData("http://acme.my.salesforce.com", "not an absolute https:// URL")]
    [InlineData("https://my.salesforce.com", "is not in Gateway:Upstream:Credential:InstanceUrlHosts")]
    [InlineData("https://acme.my.salesforce.com.evil.example", "is not in Gateway:Upstream:Credential:InstanceUrlHosts")]
    [InlineData("https://evilmy.salesforce.com", "is not in Gateway:Upstream:Credential:InstanceUrlHosts")]
    [InlineData("https://acme.my.salesforce.com:8443", "is not in Gateway:Upstream:Credential:InstanceUrlHosts")]
    [InlineData("https://evil.example/acme.my.salesforce.com", "not a bare origin")]
    [InlineData("https://acme.my.salesforce.com@evil.example", "not a bare origin")]
    [InlineData("https://user@acme.my.salesforce.com", "not a bare origin")]
    [InlineData("https://acme.my.salesforce.com/?next=x", "not a bare origin")]
    [InlineData("https://acme.my.salesforce.com#x", "not a bare origin")]
    public void Check_AnythingElse_IsRefusedWithTheReason(string? instanceUrl, string reason)
    {
        var problem = InstanceUrlPolicy.Check(instanceUrl, ["*.my.salesforce.com"], allowInsecure: false, out var uri);

        Assert.Contains(reason, problem, StringComparison.Ordinal);
        Assert.Null(uri);
    }

    [Fact]
    public void Check_PlainHttp_OnlyWhenInsecureUpstreamsAreAllowed()
    {
        Assert.Null(InstanceUrlPolicy.Check("http://localhost:8080", ["localhost:8080"], allowInsecure: true, out _));
        Assert.NotNull(InstanceUrlPolicy.Check("http://localhost:8080", ["localhost:8080"], allowInsecure: false, out _));
    }

    [Theory]
    [InlineData("acme.my.salesforce.com", true)]
    [InlineData("*.my.salesforce.com", true)]
    [InlineData("localhost:8443", true)]
    [InlineData("*.com", false)]
    [InlineData("*", false)]
    [InlineData("*.*.salesforce.com", false)]
    [InlineData("https://acme.my.salesforce.com", false)]
    [InlineData("acme.my.salesforce.com/", false)]
    [InlineData("localhost:0", false)]
    [InlineData("localhost:70000", false)]
    [InlineData("", false)]
    public void CheckPattern_OnlyHostsAndDomainWildcards(string pattern, bool valid)
    {
        Assert.Equal(valid, InstanceUrlPolicy.CheckPattern(pattern) is null);
    }
}
