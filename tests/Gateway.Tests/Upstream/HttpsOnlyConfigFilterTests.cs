using Gateway.Upstream;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Tests.Upstream;

/// <summary>The filter guards configuration reloads, which start-up validation never sees.</summary>
public sealed class HttpsOnlyConfigFilterTests
{
    [Fact]
    public async Task ConfigureCluster_HttpDestination_Throws()
    {
        var filter = new HttpsOnlyConfigFilter(Options.Create(new UpstreamOptions()));
        var cluster = Cluster("http://crm.example.com/");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => filter.ConfigureClusterAsync(cluster, default).AsTask());

        Assert.Contains("ReverseProxy:Clusters:crm:Destinations:d1:Address", error.Message);
    }

    [Fact]
    public async Task ConfigureCluster_HttpDestinationWithAllowInsecure_Passes()
    {
        var filter = new HttpsOnlyConfigFilter(Options.Create(new UpstreamOptions { AllowInsecure = true }));
        var cluster = Cluster("http://crm.example.com/");

        Assert.Same(cluster, await filter.ConfigureClusterAsync(cluster, default));
    }

    [Fact]
    public async Task ConfigureCluster_AcceptAnyCertificate_Throws()
    {
        var filter = new HttpsOnlyConfigFilter(Options.Create(new UpstreamOptions()));
        var cluster = Cluster("https://crm.example.com/") with { HttpClient = new HttpClientConfig { DangerousAcceptAnyServerCertificate = true } };

        await Assert.ThrowsAsync<InvalidOperationException>(() => filter.ConfigureClusterAsync(cluster, default).AsTask());
    }

    private static ClusterConfig Cluster(string address) => new()
    {
        ClusterId = "crm",
        Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = address } },
    };
}
