using Gateway.Audit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Consent;

internal static class ConsentRegistration
{
    public static void AddGatewayConsent(this IServiceCollection services)
    {
        services.TryAddSingleton<ConsentCache>();
        services.TryAddSingleton<ConsentSubjectKey>();
        services.TryAddSingleton<ConsentLookup>();
        services.AddHostedService(sp => sp.GetRequiredService<ConsentLookup>());
        services.TryAddSingleton<ConsentGates>();
    }
}
