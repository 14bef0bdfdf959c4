using System.Net;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;

namespace Gateway.Admin;

/// <summary>Ready only while routes are loaded and every CRM destination host resolves.</summary>
internal sealed class UpstreamResolvableHealthCheck(IProxyStateLookup proxyState) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!proxyState.GetRoutes().Any())
        {
            return HealthCheckResult.Unhealthy("no proxy route is loaded");
        }
        var unresolved = new List<string>();
        foreach (var cluster in proxyState.GetClusters())
        {
            foreach (var destination in cluster.Destinations.Values)
            {
                var host = new Uri(destination.Model.Config.Address).IdnHost;
                if (IPAddress.TryParse(host.Trim('[', ']'), out _))
                {
                    continue;
                }
                try
                {
                    await Dns.GetHostAddressesAsync(host, cancellationToken);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    unresolved.Add($"{cluster.ClusterId}/{destination.DestinationId}");
                }
            }
        }
        return unresolved.Count == 0
            ? HealthCheckResult.Healthy("all CRM destinations resolve")
            : HealthCheckResult.Unhealthy($"CRM destinations do not resolve: {string.Join(", ", unresolved)}");
    }
}
