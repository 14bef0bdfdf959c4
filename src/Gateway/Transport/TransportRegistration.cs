using Gateway.Admin;
using Gateway.Pipeline;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Transport;

internal static class TransportRegistration
{
    /// <summary>Kestrel's two HTTPS listeners with the reloaded certificate, the allowed host names, forwarded headers and HSTS.</summary>
    public static IServiceCollection AddGatewayTransport(this IServiceCollection services)
    {
        services.AddStage(nameof(AddGatewayTransport), enabled: true);
        services.TryAddSingleton<ServerCertificateStore>();
        services.AddHostedService(sp => sp.GetRequiredService<ServerCertificateStore>());
        services.TryAddSingleton<AllowedHosts>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, KestrelListenerSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<ForwardedHeadersOptions>, ForwardedHeadersSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HstsOptions>, HstsSetup>());
        return services;
    }

    /// <summary>
    /// Forwarded headers (from trusted proxies only), HSTS on every response, and the admin port's
    /// own small pipeline: everything after this runs on the proxy port only.
    /// </summary>
    public static IApplicationBuilder UseGatewayTransport(this IApplicationBuilder app)
    {
        app.RequireAdded(nameof(AddGatewayTransport), nameof(UseGatewayTransport));
        var transport = app.ApplicationServices.GetRequiredService<IOptions<TransportOptions>>().Value;
        if (transport.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }
        app.UseHsts();
        var adminPort = transport.Admin.Port;
        app.MapWhen(context => context.Connection.LocalPort == adminPort, AdminEndpoints.Configure);
        app.MarkUsed(nameof(UseGatewayTransport));
        return app;
    }
}
