using System.Globalization;

namespace Gateway.Upstream;

/// <summary>
/// Decides whether a token response's <c>instance_url</c> may become the CRM's address: an origin
/// only (https, no user info, path, query or fragment) whose host one of
/// <c>Gateway:Upstream:Credential:InstanceUrlHosts</c> names. A pattern is a host
/// (<c>acme.my.salesforce.com</c>) or <c>*.</c> and a domain (<c>*.my.salesforce.com</c>: any
/// name below it, not the domain itself), with <c>:port</c> when the port is not the scheme's
/// default. So a token endpoint, or whoever tampers with its answer, cannot send the gateway's
/// requests and token anywhere else.
/// </summary>
internal static class InstanceUrlPolicy
{
    /// <summary>The problem with a configured pattern, or null.</summary>
    public static string? CheckPattern(string? pattern)
    {
        if (!TryParsePattern(pattern, out _, out _, out _))
        {
            return $"'{pattern}' is not a host name, '*.' and a domain, optionally with ':port'.";
        }
        return null;
    }

    /// <summary>The problem with <paramref name="instanceUrl"/> (safe to log: it names only the URL's origin), or null with the URL to use.</summary>
    public static string? Check(string? instanceUrl, IReadOnlyList<string> allowedHosts, bool allowInsecure, out Uri? uri)
    {
        uri = null;
        if (string.IsNullOrEmpty(instanceUrl))
        {
            return "the token response has no instance_url";
        }
        if (!Uri.TryCreate(instanceUrl, UriKind.Absolute, out var parsed)
            || (parsed.Scheme != Uri.UriSchemeHttps && !(allowInsecure && parsed.Scheme == Uri.UriSchemeHttp)))
        {
            return "it is not an absolute https:// URL";
        }
        if (parsed.UserInfo.Length > 0 || parsed.AbsolutePath != "/" || parsed.Query.Length > 0 || parsed.Fragment.Length > 0)
        {
            return $"{parsed.Scheme}://{parsed.IdnHost} is not a bare origin (it has user info, a path, a query or a fragment)";
        }
        var host = parsed.IdnHost.ToLowerInvariant();
        if (!allowedHosts.Any(pattern => Matches(pattern, host, parsed.Port, parsed.IsDefaultPort)))
        {
            return $"host '{host}' (port {parsed.Port}) is not in Gateway:Upstream:Credential:InstanceUrlHosts";
        }
        uri = parsed;
        return null;
    }

    private static bool Matches(string pattern, string host, int port, bool isDefaultPort)
    {
        if (!TryParsePattern(pattern, out var patternHost, out var wildcard, out var patternPort))
        {
            return false;
        }
        var portMatches = patternPort is { } expected ? expected == port : isDefaultPort;
        var hostMatches = wildcard
            ? host.Length > patternHost.Length + 1 && host.EndsWith("." + patternHost, StringComparison.Ordinal)
            : host == patternHost;
        return portMatches && hostMatches;
    }

    private static bool TryParsePattern(string? pattern, out string host, out bool wildcard, out int? port)
    {
        host = string.Empty;
        wildcard = false;
        port = null;
        if (string.IsNullOrWhiteSpace(pattern))
        {
            return false;
        }
        var text = pattern.Trim().ToLowerInvariant();
        var colon = text.LastIndexOf(':');
        if (colon >= 0)
        {
            if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var parsedPort) || parsedPort is < 1 or > 65535)
            {
                return false;
            }
            port = parsedPort;
            text = text[..colon];
        }
        if (text.StartsWith("*.", StringComparison.Ordinal))
        {
            wildcard = true;
            text = text[2..];
        }
        host = text;
        // A wildcard needs a domain of at least two labels: "*.com" would hand out every .com host.
        return Uri.CheckHostName(text) == UriHostNameType.Dns && !text.Contains('*') && (!wildcard || text.Contains('.'));
    }
}
