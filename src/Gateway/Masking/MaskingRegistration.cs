using Gateway.Consent;
using Gateway.Pipeline;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Masking;

internal static class MaskingRegistration
{
    /// <summary>The rules in force (reloaded when their file changes) and the YARP transforms that route a masked response's headers and body.</summary>
    public static IServiceCollection AddResponseMasking(this IServiceCollection services, IConfiguration configuration)
    {
        var enabled = Enabled(configuration);
        services.AddStage(nameof(AddResponseMasking), enabled);
        if (enabled)
        {
            // Before the masking transform, which may replace the CRM's response with a refusal.
            services.AddSingleton<ITransformProvider, MaskedResponseHeaders>();
            services.AddSingleton<ITransformProvider, ResponseMaskingTransforms>();
            services.TryAddSingleton<RulesProvider>();
            services.AddHostedService(sp => sp.GetRequiredService<RulesProvider>());
        }
        return services;
    }

    /// <summary>
    /// Chooses before forwarding how the response will be masked (entity by route, view by the
    /// caller's roles), and after forwarding sends only what was masked. Switched off
    /// (<c>Gateway:Masking:Enabled=false</c>), it adds nothing and responses leave unmasked.
    /// </summary>
    public static IApplicationBuilder UseResponseMasking(this IApplicationBuilder app)
    {
        var enabled = app.RequireAdded(nameof(AddResponseMasking), nameof(UseResponseMasking));
        app.RequireRouting(nameof(UseResponseMasking), "the rules choose an entity only for proxied routes");
        app.RequireUsedBefore(nameof(UseResponseMasking), nameof(ConsentRegistration.UseConsent), "the request's consent gate decides which records may leave");
        return app.UseStage<ResponseMaskingMiddleware>(nameof(UseResponseMasking), enabled);
    }

    public static bool Enabled(IConfiguration configuration) =>
        configuration.GetValue($"{MaskingOptions.Section}:Enabled", true);
}
