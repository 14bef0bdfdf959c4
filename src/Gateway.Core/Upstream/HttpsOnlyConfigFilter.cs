using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Core.Upstream;

/// <summary>
/// Applies the upstream TLS policy to every configuration YARP loads, reloads included:
/// a reload that adds an http:// destination is refused and the previous configuration stays.
/// </summary>
internal sealed class HttpsOnlyConfigFilter(IOptions<UpstreamOptions> options) : IProxyConfigFilter
{
    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel)
    {
        var allowInsecure = options.Value.AllowInsecure;
        foreach (var (name, destination) in cluster.Destinations ?? new Dictionary<string, DestinationConfig>())
        {
            if (UpstreamTlsPolicy.CheckAddress(destination.Address, allowInsecure) is { } message)
            {
                throw new InvalidOperationException($"ReverseProxy:Clusters:{cluster.ClusterId}:Destinations:{name}:Address: {message}");
            }
        }
        if (!allowInsecure && cluster.HttpClient?.DangerousAcceptAnyServerCertificate == true)
        {
            throw new InvalidOperationException($"ReverseProxy:Clusters:{cluster.ClusterId}:HttpClient:DangerousAcceptAnyServerCertificate is refused.");
        }
        return ValueTask.FromResult(cluster);
    }

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel) =>
        ValueTask.FromResult(route);
}
