using Gateway.Admin;
using Gateway.Identity.Keys;
using Gateway.Identity.Revocation;
using Gateway.Pipeline;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Identity;

internal static class IdentityRegistration
{
    /// <summary>Token validation for the configured issuers, role mapping, MFA facts, and the revocation list when Redis holds one.</summary>
    public static IServiceCollection AddGatewayIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStage(nameof(AddGatewayIdentity), Enabled(configuration));
        services.TryAddSingleton<IssuerRegistry>();
        services.TryAddSingleton(sp => new ValidatedTokenCache(sp.GetRequiredService<IOptions<IdentityOptions>>().Value.TokenCacheSize));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<IdentityOptions>>().Value;
            return new MfaFacts(options.EffectiveMfaAmrValues, options.MfaAcrValues);
        });
        services.TryAddSingleton(sp => new AccessTokenValidator(
            sp.GetRequiredService<IssuerRegistry>(),
            sp.GetRequiredService<ValidatedTokenCache>(),
            sp.GetRequiredService<MfaFacts>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<IdentityOptions>>().Value.MaxTokenBytes,
            sp.GetRequiredService<IOptions<IdentityOptions>>().Value.ClockSkew));
        if (Enabled(configuration))
        {
            services.AddHostedService<IssuerKeysProbe>();
            services.AddHealthChecks().AddCheck<IssuerKeysHealthCheck>("identity", tags: [HealthTags.Ready]);
        }

        if (RevocationEnabled(configuration))
        {
            services.TryAddSingleton<RevocationList>();
            services.AddHostedService(sp => sp.GetRequiredService<RevocationList>());
            services.AddHealthChecks().AddCheck<RevocationHealthCheck>("revocation", tags: [HealthTags.Ready]);
        }
        return services;
    }

    /// <summary>
    /// Every proxied request must carry a valid, unrevoked access token mapping to a gateway role,
    /// with MFA where its route demands it. Switched off (<c>Gateway:Identity:Enabled=false</c>), it
    /// adds nothing and every caller is anonymous.
    /// </summary>
    public static IApplicationBuilder UseGatewayIdentity(this IApplicationBuilder app)
    {
        var enabled = app.RequireAdded(nameof(AddGatewayIdentity), nameof(UseGatewayIdentity));
        app.RequireRouting(nameof(UseGatewayIdentity), "a route says whether it requires MFA");
        return app.UseStage<IdentityMiddleware>(nameof(UseGatewayIdentity), enabled);
    }

    public static bool Enabled(IConfiguration configuration) =>
        configuration.GetValue($"{IdentityOptions.Section}:Enabled", true);

    public static bool RevocationEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool?>($"{IdentityOptions.Section}:Revocation:Enabled")
        ?? !string.IsNullOrWhiteSpace(configuration["Gateway:Redis:Configuration"]);
}
