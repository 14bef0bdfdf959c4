using System.Security.Cryptography.X509Certificates;
using Gateway.Core.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Core.Upstream;

/// <summary>
/// The HTTP client towards the CRM: TLS 1.2/1.3 only, and, where a private CA is configured,
/// certificates must chain to it rather than to the system store.
/// </summary>
internal sealed class TrustedUpstreamHttpClientFactory(IOptions<UpstreamOptions> options, ILogger<ForwarderHttpClientFactory> logger)
    : ForwarderHttpClientFactory(logger)
{
    private readonly X509Certificate2Collection? _trustedCas = LoadTrustedCas(options.Value.TrustedCaPath);

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.SslOptions.EnabledSslProtocols = KestrelListenerSetup.AllowedProtocols;
        if (_trustedCas is not null && context.NewConfig.DangerousAcceptAnyServerCertificate != true)
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(_trustedCas);
            handler.SslOptions.CertificateChainPolicy = policy;
        }
    }

    private static X509Certificate2Collection? LoadTrustedCas(string? path)
    {
        if (path is null)
        {
            return null;
        }
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        if (collection.Count == 0)
        {
            throw new InvalidOperationException($"Gateway:Upstream:TrustedCaPath: '{path}' holds no PEM certificate.");
        }
        return collection;
    }
}
