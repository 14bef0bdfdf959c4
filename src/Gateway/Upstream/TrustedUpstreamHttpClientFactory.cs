using System.Security.Cryptography.X509Certificates;
using Gateway.ControlPlane;
using Gateway.Transport;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Upstream;

/// <summary>
/// The HTTP client towards the CRM: TLS 1.2/1.3 only; where a private CA is configured,
/// certificates must chain to it rather than to the system store; the gateway's client certificate
/// when the CRM asks for one; and, around it all, the gateway's credential
/// (<see cref="UpstreamAuthenticationHandler"/>).
/// </summary>
internal sealed class TrustedUpstreamHttpClientFactory(
    IOptions<UpstreamOptions> options,
    UpstreamCredentialSource credential,
    UpstreamClientCertificate clientCertificate,
    ILoggerFactory loggerFactory)
    : ForwarderHttpClientFactory(loggerFactory.CreateLogger<ForwarderHttpClientFactory>())
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
        if (clientCertificate.Current is not null)
        {
            // Asked at every handshake, so a renewed certificate is presented on the next new connection.
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate.Current!;
        }
    }

    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler) =>
        new UpstreamAuthenticationHandler(credential, loggerFactory.CreateLogger<UpstreamAuthenticationHandler>()) { InnerHandler = handler };

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
