using System.Security.Cryptography.X509Certificates;
using Gateway.ControlPlane;
using Gateway.Transport;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Upstream;

/// <summary>
/// The HTTP client towards the CRM: TLS 1.2/1.3 only, and, where a private CA is configured,
/// certificates must chain to it rather than to the system store.
/// </summary>
internal sealed class TrustedUpstreamHttpClientFactory(IOptions<UpstreamOptions> options, ILogger<ForwarderHttpClientFactory> logger)
    : ForwarderHttpClientFactory(logger)
{
    private readonly X509ChainPolicy? _trust = options.Value.TrustedCaPath is { } path ? LoadTrust(path) : null;

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.SslOptions.EnabledSslProtocols = KestrelListenerSetup.AllowedProtocols;
        if (_trust is not null && context.NewConfig.DangerousAcceptAnyServerCertificate != true)
        {
            handler.SslOptions.CertificateChainPolicy = _trust.Clone();
        }
    }

    private static X509ChainPolicy LoadTrust(string path)
    {
        try
        {
            return CustomTrust.FromPemFile(path);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidOperationException($"Gateway:Upstream:TrustedCaPath: {ex.Message}", ex);
        }
    }
}
