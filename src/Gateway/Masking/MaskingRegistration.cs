using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Masking;

internal static class MaskingRegistration
{
    public static IReverseProxyBuilder AddGatewayMasking(this IReverseProxyBuilder proxy, IConfiguration configuration)
    {
        if (Enabled(configuration))
        {
            // Before the masking transform, which may replace the CRM's response with a refusal.
            proxy.AddTransforms<MaskedResponseHeaders>();
            proxy.AddTransforms<ResponseMaskingTransforms>();
            proxy.Services.TryAddSingleton<RulesProvider>();
            proxy.Services.AddHostedService(sp => sp.GetRequiredService<RulesProvider>());
        }
        return proxy;
    }

    public static bool Enabled(IConfiguration configuration) =>
        configuration.GetValue($"{MaskingOptions.Section}:Enabled", true);
}
