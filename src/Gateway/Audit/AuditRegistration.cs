using Gateway.Admin;
using Gateway.Audit;
using Gateway.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Audit;

internal static class AuditRegistration
{
    public static void AddGatewayAudit(this IServiceCollection services, IConfiguration configuration)
    {
        if (!Enabled(configuration))
        {
            services.TryAddSingleton<IAuditTrail, NoAuditTrail>();
            return;
        }
        services.TryAddSingleton<AuditQueue>();
        services.TryAddSingleton<IAuditTrail>(sp => sp.GetRequiredService<AuditQueue>());
        services.TryAddSingleton<AuditWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditWriter>());
        services.AddHealthChecks().AddCheck<AuditHealthCheck>("audit", tags: [HealthTags.Ready]);
    }

    public static bool Enabled(IConfiguration configuration) =>
        configuration.GetValue<bool?>($"{AuditOptions.Section}:Enabled")
        ?? !string.IsNullOrWhiteSpace(configuration["Gateway:Redis:Configuration"]);
}
