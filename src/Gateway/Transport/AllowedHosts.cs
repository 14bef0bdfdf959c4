using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Gateway.Transport;

/// <summary>
/// The names a request may address the proxy by: <c>Gateway:Transport:AllowedHosts</c>, or, when
/// none are configured, the names the server certificate is valid for, which are the names a
/// client that checks the certificate can use anyway. Follows certificate renewals.
/// </summary>
internal sealed class AllowedHosts
{
    private readonly HostNameSet? _configured;
    private readonly Func<X509Certificate2> _certificate;
    private CertificateNames? _fromCertificate;

    public AllowedHosts(IOptions<TransportOptions> options, ServerCertificateStore certificates)
        : this(options.Value.AllowedHosts, () => certificates.Current)
    {
    }

    internal AllowedHosts(IReadOnlyList<string> configured, Func<X509Certificate2> certificate)
    {
        _configured = configured.Count > 0 ? new HostNameSet(configured) : null;
        _certificate = certificate;
    }

    public bool Allows(HostString host) => Names().Contains(host.Value);

    private HostNameSet Names()
    {
        if (_configured is not null)
        {
            return _configured;
        }
        var certificate = _certificate();
        var names = Volatile.Read(ref _fromCertificate);
        if (names is null || !ReferenceEquals(names.Certificate, certificate))
        {
            names = new CertificateNames(certificate, HostNameSet.FromCertificate(certificate));
            Volatile.Write(ref _fromCertificate, names);
        }
        return names.Names;
    }

    private sealed record CertificateNames(X509Certificate2 Certificate, HostNameSet Names);
}
