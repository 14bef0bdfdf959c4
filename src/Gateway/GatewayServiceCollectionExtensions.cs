using Gateway.Audit;
using Gateway.Admin;
using Gateway.Configuration;
using Gateway.Purpose;
using Gateway.Identity;
using Gateway.Redis;
using Gateway.Masking;
using Gateway.Telemetry;
using Gateway.Transport;
using Gateway.Upstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway;

public static class GatewayServiceCollectionExtensions
{
    public static GatewayBuilder AddComplianceGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);

        services.AddGatewayOptions();

        services.TryAddSingleton<ServerCertificateStore>();
        services.AddHostedService(sp => sp.GetRequiredService<ServerCertificateStore>());
        services.TryAddSingleton<AllowedHosts>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, KestrelListenerSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<ForwardedHeadersOptions>, ForwardedHeadersSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HstsOptions>, HstsSetup>());

        services.TryAddSingleton<UpstreamCredential>();
        services.AddHostedService(sp => sp.GetRequiredService<UpstreamCredential>());
        services.TryAddSingleton<IForwarderHttpClientFactory, TrustedUpstreamHttpClientFactory>();
        services.AddHostedService<InsecureUpstreamWarning>();
        // YARP protects session-affinity cookies with Data Protection, which would otherwise persist
        // a key ring to disk at start-up. The gateway uses no affinity, so keys live in memory only.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection("ReverseProxy"))
            .AddConfigFilter<HttpsOnlyConfigFilter>()
            .AddTransforms<UpstreamHeaderTransforms>()
            .AddGatewayMasking(configuration);

        services.AddHealthChecks().AddCheck<UpstreamResolvableHealthCheck>("upstream", tags: [HealthTags.Ready]);
        services.AddGatewayRedis(configuration);
        services.AddGatewayIdentity(configuration);
        services.AddGatewayTelemetry(configuration);
        services.AddGatewayAudit(configuration);
        services.AddGatewayPurposes(configuration);
        services.AddHostedService<DisabledStageWarnings>();
        return new GatewayBuilder(services);
    }
}
