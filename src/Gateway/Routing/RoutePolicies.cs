using System.Runtime.CompilerServices;
using Gateway.Upstream;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Routing;

/// <summary>
/// The policy of each route YARP loaded, parsed once per configuration by
/// <see cref="RoutePolicyConfigFilter"/> and kept with the route's configuration object, which YARP
/// hands on, the same object, to the transforms it builds and the endpoint it maps for the route.
/// </summary>
internal sealed class RoutePolicies(IOptions<UpstreamOptions> upstream)
{
    private readonly ConditionalWeakTable<RouteConfig, RoutePolicy> _parsed = [];
    private readonly HeaderDenyList _neverForwarded = RequestHeaderPolicy.NeverForwarded(upstream.Value.Credential.Header);

    /// <summary>Parses the route's metadata and keeps the result.</summary>
    /// <exception cref="AggregateException">The metadata is not valid: one <see cref="InvalidOperationException"/> per problem, each naming the route and the key.</exception>
    public RoutePolicy Load(RouteConfig route)
    {
        var problems = Problems(route.RouteId, route.Metadata, out var policy);
        if (problems.Count > 0)
        {
            throw new AggregateException(
                $"Route '{route.RouteId}' has invalid metadata.",
                problems.Select(problem => new InvalidOperationException($"{problem.Path}: {problem.Message}")));
        }
        _parsed.AddOrUpdate(route, policy);
        return policy;
    }

    /// <summary>The route's policy as loaded; a route YARP did not load through the filter (a test's) is parsed now.</summary>
    public RoutePolicy For(RouteConfig route) => _parsed.TryGetValue(route, out var policy) ? policy : Load(route);

    /// <summary>Every problem of a route's metadata, with its configuration path (start-up checks every route this way).</summary>
    public List<(string Path, string Message)> Problems(string routeId, IReadOnlyDictionary<string, string>? metadata, out RoutePolicy policy) =>
        RoutePolicyReader.Read(routeId, metadata, _neverForwarded, out policy);
}
