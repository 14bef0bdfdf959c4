using Gateway.Consent;
using Gateway.Identity;
using Gateway.Pipeline;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Quota;

internal static class QuotaRegistration
{
    /// <summary>Per-principal budgets in Redis, when <c>Gateway:Quota</c> configures any.</summary>
    public static IServiceCollection AddQuota(this IServiceCollection services, IConfiguration configuration)
    {
        var enabled = Enabled(configuration);
        services.AddStage(nameof(AddQuota), enabled);
        if (enabled)
        {
            services.TryAddSingleton<QuotaPolicy>();
            services.TryAddSingleton<QuotaLedger>();
            services.TryAddSingleton<RedisQuotaCounters>();
            services.TryAddSingleton<QuotaChecker>();
            // Records held back past a budget are named by the same keyed hash as in the audit event.
            services.TryAddSingleton<ConsentSubjectKey>();
            services.TryAddSingleton<QuotaFlusher>();
            services.AddHostedService(sp => sp.GetRequiredService<QuotaFlusher>());
        }
        return services;
    }

    /// <summary>
    /// Every proxied request of a caller with budgets is checked against them, and refused with 429
    /// when one is spent. Without budgets configured, it adds nothing.
    /// </summary>
    public static IApplicationBuilder UseQuota(this IApplicationBuilder app)
    {
        var enabled = app.RequireAdded(nameof(AddQuota), nameof(UseQuota));
        app.RequireRouting(nameof(UseQuota), "only proxied routes are counted");
        app.RequireUsedBefore(nameof(UseQuota), nameof(IdentityRegistration.UseGatewayIdentity), "budgets are per principal, which the token names");
        return app.UseStage<QuotaMiddleware>(nameof(UseQuota), enabled);
    }

    public static bool Enabled(IConfiguration configuration)
    {
        var section = configuration.GetSection(QuotaOptions.Section);
        return section.GetSection("Roles").GetChildren().Any() || section.GetSection("Default").GetChildren().Any() || section.GetSection("Clients").GetChildren().Any();
    }
}
