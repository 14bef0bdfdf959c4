using System.Collections.Frozen;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Transport;

/// <summary>
/// Host names and addresses a request may be addressed to: exact DNS names, <c>*.parent</c>
/// wildcards standing for exactly one label (as in a certificate, RFC 6125), and IP addresses.
/// Compared without the port, case-insensitively, ignoring one trailing dot.
/// </summary>
internal sealed class HostNameSet
{
    private const int MaxNameLength = 253;
    private const int MaxLabelLength = 63;

    private readonly FrozenSet<string> _names;
    private readonly FrozenSet<string> _wildcardParents;
    private readonly FrozenSet<IPAddress> _addresses;

    public HostNameSet(IEnumerable<string> entries)
    {
        var names = new List<string>();
        var parents = new List<string>();
        var addresses = new List<IPAddress>();
        foreach (var entry in entries.Select(e => e.Trim().TrimEnd('.')))
        {
            if (TryParseAddress(entry.Trim('[', ']'), out var address))
            {
                addresses.Add(address);
            }
            else if (entry.StartsWith("*.", StringComparison.Ordinal))
            {
                parents.Add(entry[2..]);
            }
            else
            {
                names.Add(entry);
            }
        }
        _names = names.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _wildcardParents = parents.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _addresses = addresses.ToFrozenSet();
    }

    /// <summary>The names a client that checks the certificate can use: its DNS and IP subject alternative names (its common name only when it has none).</summary>
    public static HostNameSet FromCertificate(X509Certificate2 certificate)
    {
        var alternativeNames = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (alternativeNames is null)
        {
            return new HostNameSet([certificate.GetNameInfo(X509NameType.DnsName, forIssuer: false)]);
        }
        return new HostNameSet([
            .. alternativeNames.EnumerateDnsNames(),
            .. alternativeNames.EnumerateIPAddresses().Select(address => address.ToString()),
        ]);
    }

    /// <summary>Whether the authority a request names (<c>name</c>, <c>name:port</c>, <c>[v6]:port</c>) is in the set.</summary>
    public bool Contains(string? authority)
    {
        if (!TrySplitAuthority(authority, out var host))
        {
            return false;
        }
        if (TryParseAddress(host, out var address))
        {
            return _addresses.Contains(address);
        }
        host = host.EndsWith('.') ? host[..^1] : host;
        if (_names.Contains(host))
        {
            return true;
        }
        var firstDot = host.IndexOf('.');
        return firstDot > 0 && _wildcardParents.Contains(host[(firstDot + 1)..]);
    }

    /// <summary>What is wrong with one configured entry, or null.</summary>
    public static string? Problem(string entry)
    {
        var value = entry.Trim();
        if (TryParseAddress(value.Trim('[', ']'), out _))
        {
            return null;
        }
        var name = value.StartsWith("*.", StringComparison.Ordinal) ? value[2..] : value;
        return IsDnsName(name.TrimEnd('.'))
            ? null
            : $"'{entry}' is not a host name; list names without scheme, port or path (crm-gateway.example.com, *.example.com for one label, or an IP address).";
    }

    private static bool TrySplitAuthority(string? authority, out string host)
    {
        host = string.Empty;
        if (string.IsNullOrEmpty(authority))
        {
            return false;
        }
        string rest;
        if (authority[0] == '[')
        {
            var end = authority.IndexOf(']');
            if (end < 0)
            {
                return false;
            }
            host = authority[1..end];
            rest = authority[(end + 1)..];
        }
        else
        {
            var colon = authority.IndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            rest = colon < 0 ? string.Empty : authority[colon..];
        }
        return host.Length > 0 && (rest.Length == 0 || (rest[0] == ':' && rest.Length is > 1 and <= 6 && !rest.AsSpan(1).ContainsAnyExceptInRange('0', '9')));
    }

    /// <summary>An IPv6 literal, or an IPv4 one in its dotted-quad form only (IPAddress also reads "1" as 0.0.0.1).</summary>
    private static bool TryParseAddress(string value, out IPAddress address)
    {
        address = IPAddress.None;
        var looksLikeAddress = value.Contains(':') || (value.Count(c => c == '.') == 3 && value.All(c => char.IsAsciiDigit(c) || c == '.'));
        return looksLikeAddress && IPAddress.TryParse(value, out address!);
    }

    private static bool IsDnsName(string name) =>
        name.Length is > 0 and <= MaxNameLength
        && name.Split('.').All(label => label.Length is > 0 and <= MaxLabelLength && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
}
