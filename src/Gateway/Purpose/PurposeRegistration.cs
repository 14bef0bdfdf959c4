using Gateway.Consent;
using Gateway.Identity;
using Gateway.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Purpose;

internal static class PurposeRegistration
{
    /// <summary>The purpose stage, and the consent stage when a purpose depends on the subject's word.</summary>
    public static IServiceCollection AddGatewayPurpose(this IServiceCollection services, IConfiguration configuration)
    {
        var catalog = configuration.GetSection($"{PurposeOptions.Section}:Catalog").GetChildren().ToList();
        services.AddStage(nameof(AddGatewayPurpose), catalog.Count > 0);
        if (catalog.Count == 0)
        {
            return services;
        }
        services.TryAddSingleton<PurposeResolver>();
        if (catalog.Any(p => LegalBases.ByName.TryGetValue(p["Basis"] ?? "", out var basis) && basis.DependsOnSubject()))
        {
            services.AddGatewayConsent();
        }
        return services;
    }

    /// <summary>
    /// Every proxied request gets exactly one known, permitted purpose, or a 403. With no purpose
    /// catalog it adds nothing (a warning at start says so).
    /// </summary>
    public static IApplicationBuilder UseGatewayPurpose(this IApplicationBuilder app)
    {
        var enabled = app.RequireAdded(nameof(AddGatewayPurpose), nameof(UseGatewayPurpose));
        app.RequireRouting(nameof(UseGatewayPurpose), "only proxied routes need a purpose");
        app.RequireUsedBefore(nameof(UseGatewayPurpose), nameof(IdentityRegistration.UseGatewayIdentity), "a purpose is settled for the caller the token names");
        if (enabled)
        {
            app.UseMiddleware<PurposeMiddleware>();
        }
        app.MarkUsed(nameof(UseGatewayPurpose));
        return app;
    }

    public static bool Enabled(IConfiguration configuration) =>
        configuration.GetSection($"{PurposeOptions.Section}:Catalog").GetChildren().Any();
}
