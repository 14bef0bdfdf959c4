using Microsoft.Extensions.Configuration;

namespace Gateway.Core.Upstream;

/// <summary>
/// The one place that decides whether a YARP cluster may be used: destinations must be
/// https:// and certificate checks must stay on, unless insecure upstreams are allowed.
/// Used both at start-up (all errors, with configuration paths) and on every config reload.
/// </summary>
internal static class UpstreamTlsPolicy
{
    public static IEnumerable<(string Path, string Message)> Check(IConfiguration configuration, bool allowInsecure)
    {
        var clusters = configuration.GetSection("ReverseProxy:Clusters");
        foreach (var cluster in clusters.GetChildren())
        {
            foreach (var destination in cluster.GetSection("Destinations").GetChildren())
            {
                var address = destination["Address"];
                if (CheckAddress(address, allowInsecure) is { } message)
                {
                    yield return ($"ReverseProxy:Clusters:{cluster.Key}:Destinations:{destination.Key}:Address", message);
                }
            }
            if (!allowInsecure && bool.TryParse(cluster["HttpClient:DangerousAcceptAnyServerCertificate"], out var acceptAny) && acceptAny)
            {
                yield return ($"ReverseProxy:Clusters:{cluster.Key}:HttpClient:DangerousAcceptAnyServerCertificate", InsecureHint("turns off the CRM certificate check"));
            }
        }
    }

    public static string? CheckAddress(string? address, bool allowInsecure)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return $"'{address}' is not an absolute https:// URL.";
        }
        if (uri.Scheme == Uri.UriSchemeHttp && !allowInsecure)
        {
            return InsecureHint($"'{address}' is plain http:// and would send customer data and the CRM credential unencrypted");
        }
        return null;
    }

    private static string InsecureHint(string what) =>
        $"{what}. Use an https:// CRM destination, or set Gateway:Upstream:AllowInsecure=true for local development only.";
}
