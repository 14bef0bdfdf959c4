using Gateway.Audit;
using Gateway.Consent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Purpose;

internal static class PurposeRegistration
{
    /// <summary>The purpose stage, and the consent stage when a purpose depends on the subject's word.</summary>
    public static void AddGatewayPurposes(this IServiceCollection services, IConfiguration configuration)
    {
        var catalog = configuration.GetSection($"{PurposeOptions.Section}:Catalog").GetChildren().ToList();
        if (catalog.Count == 0)
        {
            return;
        }
        services.TryAddSingleton<PurposeResolver>();
        if (catalog.Any(p => LegalBases.ByName.TryGetValue(p["Basis"] ?? "", out var basis) && basis.DependsOnSubject()))
        {
            services.AddGatewayConsent();
        }
    }

    public static bool Enabled(IConfiguration configuration) =>
        configuration.GetSection($"{PurposeOptions.Section}:Catalog").GetChildren().Any();
}
