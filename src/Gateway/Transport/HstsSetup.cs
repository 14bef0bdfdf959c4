using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.Extensions.Options;

namespace Gateway.Transport;

/// <summary>HSTS on every response, localhost included (ASP.NET Core leaves loopback names out by default).</summary>
internal sealed class HstsSetup(IOptions<TransportOptions> transport) : IConfigureOptions<HstsOptions>
{
    public void Configure(HstsOptions options)
    {
        var settings = transport.Value.Hsts;
        options.MaxAge = settings.MaxAge;
        options.IncludeSubDomains = settings.IncludeSubDomains;
        options.Preload = settings.Preload;
        options.ExcludedHosts.Clear();
    }
}
