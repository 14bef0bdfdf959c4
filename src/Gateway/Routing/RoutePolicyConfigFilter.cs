using Yarp.ReverseProxy.Configuration;

namespace Gateway.Routing;

/// <summary>
/// Parses every route's policy when YARP loads a configuration, reloads included. A route with bad
/// metadata is refused with the route and the key named: at start-up the gateway does not start;
/// on a reload YARP logs the error and keeps the previous configuration.
/// </summary>
internal sealed class RoutePolicyConfigFilter(RoutePolicies policies) : IProxyConfigFilter
{
    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel) => ValueTask.FromResult(cluster);

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel)
    {
        policies.Load(route);
        return ValueTask.FromResult(route);
    }
}
