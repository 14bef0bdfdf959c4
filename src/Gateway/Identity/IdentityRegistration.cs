using Gateway.Admin;
using Gateway.Configuration;
using Gateway.Identity.Revocation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Identity;

internal static class IdentityRegistration
{
    public static void AddGatewayIdentity(this IServiceCollection services, IConfiguration configuration)
    {
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

        if (RevocationEnabled(configuration))
        {
            services.TryAddSingleton<RevocationList>();
            services.AddHostedService(sp => sp.GetRequiredService<RevocationList>());
            services.AddHealthChecks().AddCheck<RevocationHealthCheck>("revocation", tags: [HealthTags.Ready]);
        }
    }

    public static bool Enabled(IConfiguration configuration) =>
        configuration.GetValue($"{IdentityOptions.Section}:Enabled", true);

    public static bool RevocationEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool?>($"{IdentityOptions.Section}:Revocation:Enabled")
        ?? !string.IsNullOrWhiteSpace(configuration["Gateway:Redis:Configuration"]);
}
