using Gateway.Pipeline;
using Gateway.Purpose;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Consent;

internal static class ConsentRegistration
{
    /// <summary>The consent store's lookups and cache, when a purpose of the catalog depends on the subject's word.</summary>
    public static IServiceCollection AddConsent(this IServiceCollection services, IConfiguration configuration)
    {
        var enabled = Enabled(configuration);
        services.AddStage(nameof(AddConsent), enabled);
        if (enabled)
        {
            services.TryAddSingleton<ConsentCache>();
            services.TryAddSingleton<ConsentSubjectKey>();
            services.TryAddSingleton<ConsentLookup>();
            services.AddHostedService(sp => sp.GetRequiredService<ConsentLookup>());
            services.TryAddSingleton<ConsentGates>();
        }
        return services;
    }

    /// <summary>
    /// Puts on the request the consent gate its purpose calls for; masking applies it to the
    /// response's records. Without a purpose that depends on the subject's word, it adds nothing.
    /// </summary>
    public static IApplicationBuilder UseConsent(this IApplicationBuilder app)
    {
        var enabled = app.RequireAdded(nameof(AddConsent), nameof(UseConsent));
        app.RequireUsedBefore(nameof(UseConsent), nameof(PurposeRegistration.UseGatewayPurpose), "the gate follows from the request's purpose");
        return app.UseStage<ConsentMiddleware>(nameof(UseConsent), enabled);
    }

    /// <summary>Some purpose of the catalog is based on consent or legitimate interest.</summary>
    public static bool Enabled(IConfiguration configuration) =>
        configuration.GetSection($"{PurposeOptions.Section}:Catalog").GetChildren()
            .Any(purpose => LegalBases.ByName.TryGetValue(purpose["Basis"] ?? "", out var basis) && basis.DependsOnSubject());
}
