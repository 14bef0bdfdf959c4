namespace Gateway.Upstream;

/// <summary>
/// The one place that decides whether a YARP cluster may be used: destinations must be
/// https:// and certificate checks must stay on, unless insecure upstreams are allowed.
/// Used both at start-up (all errors, with configuration paths) and on every config reload.
/// </summary>
internal static class UpstreamTlsPolicy
{
    /// <summary>Every problem of the clusters in the configuration (start-up).</summary>
    public static IEnumerable<(string Path, string Message)> Check(IConfiguration configuration, bool allowInsecure) =>
        configuration.GetSection("ReverseProxy:Clusters").GetChildren().SelectMany(cluster => CheckCluster(
            cluster.Key,
            cluster.GetSection("Destinations").GetChildren().Select(d => (d.Key, d["Address"])),
            bool.TryParse(cluster["HttpClient:DangerousAcceptAnyServerCertificate"], out var acceptAny) && acceptAny,
            allowInsecure));

    /// <summary>Every problem of one cluster, with its configuration path (start-up and every reload).</summary>
    public static IEnumerable<(string Path, string Message)> CheckCluster(
        string clusterId, IEnumerable<(string Name, string? Address)> destinations, bool acceptsAnyCertificate, bool allowInsecure)
    {
        foreach (var (name, address) in destinations)
        {
            if (CheckAddress(address, allowInsecure) is { } message)
            {
                yield return ($"ReverseProxy:Clusters:{clusterId}:Destinations:{name}:Address", message);
            }
        }
        if (acceptsAnyCertificate && !allowInsecure)
        {
            yield return ($"ReverseProxy:Clusters:{clusterId}:HttpClient:DangerousAcceptAnyServerCertificate", InsecureHint("turns off the CRM certificate check"));
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
