using Gateway.Upstream;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Upstream;

public sealed class UpstreamTlsPolicyTests
{
    [Theory]
    [InlineData("https://crm.example.com/", false)]
    [InlineData("https://10.0.0.5:8443/base/", false)]
    [InlineData("http://localhost:8080/", true)]
    public void CheckAddress_Allowed_ReturnsNull(string address, bool allowInsecure)
    {
        Assert.Null(UpstreamTlsPolicy.CheckAddress(address, allowInsecure));
    }

    [Theory]
    [InlineData("http://crm.example.com/", "plain http://")]
    [InlineData("HTTP://crm.example.com/", "plain http://")]
    [InlineData("ftp://crm.example.com/", "not an absolute https:// URL")]
    [InlineData("crm.example.com", "not an absolute https:// URL")]
    [InlineData("", "not an absolute https:// URL")]
    [InlineData(null, "not an absolute https:// URL")]
    public void CheckAddress_Refused_SaysWhy(string? address, string expected)
    {
        Assert.Contains(expected, UpstreamTlsPolicy.CheckAddress(address, allowInsecure: false));
    }

    [Fact]
    public void Check_EveryClusterAndDestination_ReportsEachWithItsPath()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:a:Destinations:one:Address"] = "https://ok.example.com/",
            ["ReverseProxy:Clusters:a:Destinations:two:Address"] = "http://bad.example.com/",
            ["ReverseProxy:Clusters:b:Destinations:one:Address"] = "http://bad2.example.com/",
            ["ReverseProxy:Clusters:b:HttpClient:DangerousAcceptAnyServerCertificate"] = "true",
        }).Build();

        var paths = UpstreamTlsPolicy.Check(configuration, allowInsecure: false).Select(p => p.Path).ToList();

        Assert.Equal(
            ["ReverseProxy:Clusters:a:Destinations:two:Address", "ReverseProxy:Clusters:b:Destinations:one:Address", "ReverseProxy:Clusters:b:HttpClient:DangerousAcceptAnyServerCertificate"],
            paths);
    }
}
