using Gateway.Identity;
using Gateway.Pipeline;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Purpose;

internal static class PurposeRegistration
{
    /// <summary>The purpose catalog and who may use which purpose.</summary>
    public static IServiceCollection AddGatewayPurpose(this IServiceCollection services, IConfiguration configuration)
    {
        var enabled = Enabled(configuration);
        services.AddStage(nameof(AddGatewayPurpose), enabled);
        if (enabled)
        {
            services.TryAddSingleton<PurposeResolver>();
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
        return app.UseStage<PurposeMiddleware>(nameof(UseGatewayPurpose), enabled);
    }

    public static bool Enabled(IConfiguration configuration) =>
        configuration.GetSection($"{PurposeOptions.Section}:Catalog").GetChildren().Any();
}
