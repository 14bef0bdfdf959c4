using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Upstream;

/// <summary>
/// Applies the upstream TLS policy to every configuration YARP loads, reloads included:
/// a reload that adds an http:// destination is refused and the previous configuration stays.
/// </summary>
internal sealed class HttpsOnlyConfigFilter(IOptions<UpstreamOptions> options) : IProxyConfigFilter
{
    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel)
    {
        var problems = UpstreamTlsPolicy.CheckCluster(
            cluster.ClusterId,
            (cluster.Destinations ?? new Dictionary<string, DestinationConfig>()).Select(d => (d.Key, (string?)d.Value.Address)),
            cluster.HttpClient?.DangerousAcceptAnyServerCertificate == true,
            options.Value.AllowInsecure).ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems.Select(p => $"{p.Path}: {p.Message}")));
        }
        return ValueTask.FromResult(cluster);
    }

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel) =>
        ValueTask.FromResult(route);
}
