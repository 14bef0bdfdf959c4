using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Gateway.Transport;

/// <summary>
/// Believes X-Forwarded-For/Proto only from the configured load balancers. ASP.NET Core trusts
/// loopback by default; that default is cleared so that nothing is trusted unless configured.
/// </summary>
internal sealed class ForwardedHeadersSetup(IOptions<TransportOptions> transport) : IConfigureOptions<ForwardedHeadersOptions>
{
    public void Configure(ForwardedHeadersOptions options)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        options.ForwardLimit = 1;
        foreach (var entry in transport.Value.TrustedProxies)
        {
            if (TrustedNetworks.TryParse(entry, out var network))
            {
                options.KnownIPNetworks.Add(network);
            }
        }
    }
}
