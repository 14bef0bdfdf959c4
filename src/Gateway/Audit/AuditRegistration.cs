using Gateway.Admin;
using Gateway.Pipeline;
using Gateway.Transport;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Audit;

internal static class AuditRegistration
{
    /// <summary>The audit queue and its writer (spool, Redis Stream); switched off, a trail that keeps nothing.</summary>
    public static IServiceCollection AddGatewayAudit(this IServiceCollection services, IConfiguration configuration)
    {
        var enabled = Enabled(configuration);
        services.AddStage(nameof(AddGatewayAudit), enabled);
        if (!enabled)
        {
            services.TryAddSingleton<IAuditTrail, NoAuditTrail>();
            return services;
        }
        services.TryAddSingleton<AuditQueue>();
        services.TryAddSingleton<IAuditTrail>(sp => sp.GetRequiredService<AuditQueue>());
        services.TryAddSingleton<AuditWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditWriter>());
        services.AddHealthChecks().AddCheck<AuditHealthCheck>("audit", tags: [HealthTags.Ready]);
        return services;
    }

    /// <summary>
    /// The outermost stage on the proxy port: every request, whatever a later stage decides, becomes
    /// one audit event. Switched off, it adds nothing: it would still describe every request for an
    /// event nobody keeps.
    /// </summary>
    public static IApplicationBuilder UseGatewayAudit(this IApplicationBuilder app)
    {
        var enabled = app.RequireAdded(nameof(AddGatewayAudit), nameof(UseGatewayAudit));
        app.RequireUsedBefore(nameof(UseGatewayAudit), nameof(TransportRegistration.UseGatewayTransport), "the admin port branches off there, and only the proxy port's requests are audited");
        return app.UseStage<AuditMiddleware>(nameof(UseGatewayAudit), enabled);
    }

    public static bool Enabled(IConfiguration configuration) =>
        configuration.GetValue<bool?>($"{AuditOptions.Section}:Enabled")
        ?? !string.IsNullOrWhiteSpace(configuration["Gateway:Redis:Configuration"]);
}
