using System.Net;
using System.Security.Authentication;
using Gateway.RequestGuard;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Gateway.Transport;

/// <summary>
/// Opens exactly two listeners, both TLS 1.2/1.3 only: the proxy port and the admin port.
/// No plain-HTTP listener exists, so a plain request gets its connection closed and no data.
/// </summary>
internal sealed class KestrelListenerSetup(
    IOptions<TransportOptions> transport,
    IOptions<RequestGuardOptions> guard,
    ServerCertificateStore certificates) : IConfigureOptions<KestrelServerOptions>
{
    public const SslProtocols AllowedProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    public void Configure(KestrelServerOptions options)
    {
        options.AddServerHeader = false;
        ApplyLimits(options.Limits, guard.Value);
        Listen(options, transport.Value.Proxy);
        Listen(options, transport.Value.Admin);
    }

    private void Listen(KestrelServerOptions options, ListenerOptions listener)
    {
        Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions> https = listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                SslProtocols = AllowedProtocols,
                ServerCertificateSelector = (_, _) => certificates.Current,
                HandshakeTimeout = TimeSpan.FromSeconds(10),
            });
        };
        switch (listener.Address)
        {
            case "any":
                options.ListenAnyIP(listener.Port, https);
                break;
            case "localhost":
                options.ListenLocalhost(listener.Port, https);
                break;
            default:
                options.Listen(IPAddress.Parse(listener.Address), listener.Port, https);
                break;
        }
    }

    private static void ApplyLimits(KestrelServerLimits limits, RequestGuardOptions guard)
    {
        limits.MaxRequestBodySize = guard.MaxRequestBodyBytes;
        limits.MaxRequestHeadersTotalSize = guard.MaxRequestHeadersTotalBytes;
        limits.MaxRequestHeaderCount = guard.MaxRequestHeaderCount;
        limits.MaxRequestLineSize = guard.MaxRequestLineBytes;
        limits.Http2.MaxRequestHeaderFieldSize = guard.MaxRequestHeadersTotalBytes;
    }
}
