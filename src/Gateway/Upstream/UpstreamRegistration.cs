using Gateway.Admin;
using Gateway.Audit;
using Gateway.Consent;
using Gateway.Identity;
using Gateway.Masking;
using Gateway.Pipeline;
using Gateway.Purpose;
using Gateway.RequestGuard;
using Gateway.Routing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Upstream;

internal static class UpstreamRegistration
{
    /// <summary>YARP from the <c>ReverseProxy</c> section, https-only clusters, the CRM credential (static or an OAuth token), the client certificate, and the request headers' allow-list.</summary>
    public static IServiceCollection AddGatewayUpstream(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStage(nameof(AddGatewayUpstream), enabled: true);
        services.TryAddSingleton<RoutePolicies>();
        services.TryAddSingleton<UpstreamCredentialSource>(sp => sp.GetRequiredService<IOptions<UpstreamOptions>>().Value.Credential.IsOAuth
            ? ActivatorUtilities.CreateInstance<OAuthUpstreamCredential>(sp)
            : ActivatorUtilities.CreateInstance<StaticUpstreamCredential>(sp));
        services.AddHostedService(sp => sp.GetRequiredService<UpstreamCredentialSource>());
        services.TryAddSingleton<UpstreamClientCertificate>();
        services.AddHostedService(sp => sp.GetRequiredService<UpstreamClientCertificate>());
        services.TryAddSingleton<IForwarderHttpClientFactory, TrustedUpstreamHttpClientFactory>();
        services.AddHostedService<InsecureUpstreamWarning>();
        // YARP protects session-affinity cookies with Data Protection, which would otherwise persist
        // a key ring to disk at start-up. The gateway uses no affinity, so keys live in memory only.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection("ReverseProxy"))
            .AddConfigFilter<HttpsOnlyConfigFilter>()
            .AddConfigFilter<RoutePolicyConfigFilter>()
            .AddTransforms<UpstreamHeaderTransforms>();
        services.AddHealthChecks()
            .AddCheck<UpstreamResolvableHealthCheck>("upstream", tags: [HealthTags.Ready])
            .AddCheck<UpstreamCredentialHealthCheck>("upstream_credential", tags: [HealthTags.Ready]);
        return services;
    }

    /// <summary>A CRM that failed before anything reached the client gets the problem+json answer every refusal has.</summary>
    public static IApplicationBuilder UseUpstreamErrors(this IApplicationBuilder app)
    {
        app.RequireAdded(nameof(AddGatewayUpstream), nameof(UseUpstreamErrors));
        return app.UseStage<UpstreamErrorResponses>(nameof(UseUpstreamErrors));
    }

    /// <summary>
    /// YARP forwards what every stage before it let through. Only after all of them: a stage left
    /// out would let a request or response past its check.
    /// </summary>
    public static WebApplication MapGatewayProxy(this WebApplication app)
    {
        app.RequireAdded(nameof(AddGatewayUpstream), nameof(MapGatewayProxy));
        foreach (var (stage, because) in StagesBeforeForwarding)
        {
            app.RequireUsedBefore(nameof(MapGatewayProxy), stage, because);
        }
        var policies = app.Services.GetRequiredService<RoutePolicies>();
        // Each route's policy, parsed when its configuration loaded, rides on its endpoint: stages read it there.
        app.MapReverseProxy().ConfigureEndpoints((endpoint, route) => endpoint.WithMetadata(policies.For(route)));
        return app;
    }

    private static readonly (string Stage, string Because)[] StagesBeforeForwarding =
    [
        (nameof(AuditRegistration.UseGatewayAudit), "every forwarded request becomes an audit event"),
        (nameof(RequestGuardRegistration.UseRequestGuard), "only requests the guard can judge are forwarded"),
        (nameof(IdentityRegistration.UseGatewayIdentity), "only authenticated callers are forwarded"),
        (nameof(PurposeRegistration.UseGatewayPurpose), "only requests with a permitted purpose are forwarded"),
        (nameof(ConsentRegistration.UseConsent), "a response is checked for consent by its purpose"),
        (nameof(RequestGuardRegistration.UseWholeRequestBody), "a body is forwarded only once it arrived whole"),
        (nameof(UseUpstreamErrors), "a failed forward is answered with problem+json"),
        (nameof(MaskingRegistration.UseResponseMasking), "no response leaves unmasked"),
    ];
}
