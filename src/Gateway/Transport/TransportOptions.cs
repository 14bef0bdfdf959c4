namespace Gateway.Transport;

/// <summary>Settings under <c>Gateway:Transport</c>: where the gateway listens and with which certificate.</summary>
internal sealed class TransportOptions
{
    public const string Section = "Gateway:Transport";

    /// <summary>The proxy listener: every CRM route is served here, over HTTPS only.</summary>
    public ListenerOptions Proxy { get; set; } = new() { Port = 8443 };

    /// <summary>The admin listener (health, readiness): its own port, never the proxy's.</summary>
    public ListenerOptions Admin { get; set; } = new() { Port = 8444 };

    public CertificateOptions Certificate { get; set; } = new();

    /// <summary>
    /// Names clients may address the proxy by (Host or <c>:authority</c>, port ignored): host names,
    /// <c>*.example.com</c> (one label), or IP addresses. Empty: the names the server certificate is
    /// valid for (its DNS and IP subject alternative names), following renewals. Others get 421.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Networks (CIDR) or addresses of TLS-terminating load balancers whose X-Forwarded-* headers are believed. Empty: nobody's are.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    public HstsSettings Hsts { get; set; } = new();
}

internal sealed class ListenerOptions
{
    /// <summary><c>any</c> (all interfaces), <c>localhost</c> (loopback, IPv4 and IPv6) or an IP address.</summary>
    public string Address { get; set; } = "any";

    public int Port { get; set; }
}

internal sealed class CertificateOptions
{
    /// <summary>PEM certificate (chain) or PFX/PKCS#12 file.</summary>
    public string? Path { get; set; }

    /// <summary>PEM private key; required with a PEM certificate, absent with a PFX.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Name of the environment variable holding the PFX password, if it has one.</summary>
    public string? PasswordEnvironmentVariable { get; set; }

    /// <summary>How often the files are checked for a new certificate (renewals take effect without a restart).</summary>
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(10);
}

internal sealed class HstsSettings
{
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(365);

    public bool IncludeSubDomains { get; set; } = true;

    public bool Preload { get; set; }
}
