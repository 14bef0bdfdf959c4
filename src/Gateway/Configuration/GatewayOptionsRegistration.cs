using Gateway.Audit;
using Gateway.Consent;
using Gateway.Detector;
using Gateway.PrivacyConsole;
using Gateway.Identity;
using Gateway.Masking;
using Gateway.Purpose;
using Gateway.Quota;
using Gateway.Redis;
using Gateway.RequestGuard;
using Gateway.Telemetry;
using Gateway.Transport;
using Gateway.Upstream;
using Gateway.WritePolicy;
using Microsoft.Extensions.Options;

namespace Gateway.Configuration;

/// <summary>Every options object of the gateway, bound and validated; kept apart from the stages that use them.</summary>
internal static class GatewayOptionsRegistration
{
    public static IServiceCollection AddGatewayOptions(this IServiceCollection services)
    {
        services.AddValidatedOptions<TransportOptions, TransportOptionsValidator>(TransportOptions.Section);
        services.AddValidatedOptions<RequestGuardOptions, RequestGuardOptionsValidator>(RequestGuardOptions.Section);
        services.AddValidatedOptions<UpstreamOptions, UpstreamOptionsValidator>(UpstreamOptions.Section);
        services.AddValidatedOptions<IdentityOptions, IdentityOptionsValidator>(IdentityOptions.Section);
        services.AddValidatedOptions<MaskingOptions, MaskingOptionsValidator>(MaskingOptions.Section);
        services.AddValidatedOptions<RedisOptions, RedisOptionsValidator>(RedisOptions.Section);
        services.AddValidatedOptions<TelemetryOptions, TelemetryOptionsValidator>(TelemetryOptions.Section);
        services.AddValidatedOptions<AuditOptions, AuditOptionsValidator>(AuditOptions.Section);
        services.AddValidatedOptions<PurposeOptions, PurposeOptionsValidator>(PurposeOptions.Section);
        services.AddValidatedOptions<ConsentOptions, ConsentOptionsValidator>(ConsentOptions.Section);
        services.AddValidatedOptions<WritePolicyOptions, WritePolicyOptionsValidator>(WritePolicyOptions.Section);
        services.AddValidatedOptions<DetectorOptions, DetectorOptionsValidator>(DetectorOptions.Section);
        services.AddOptions<DetectorOptions>().PostConfigure<IConfiguration>((options, configuration) => options.FillFrom(path => configuration[path]));
        services.AddValidatedOptions<ConsoleOptions, ConsoleOptionsValidator>(ConsoleOptions.Section);
        services.AddValidatedOptions<QuotaOptions, QuotaOptionsValidator>(QuotaOptions.Section);
        return services;
    }

    /// <summary>
    /// Validates all options against <paramref name="configuration"/> before the host is built.
    /// Building the host already reads some options (Kestrel's listeners), and the first one read
    /// would otherwise report only its own errors instead of all of them.
    /// </summary>
    /// <exception cref="OptionsValidationException">One options object is invalid.</exception>
    /// <exception cref="AggregateException">Several are; each inner exception lists its errors.</exception>
    public static void ValidateGatewayOptions(IConfiguration configuration)
    {
        var services = new ServiceCollection().AddSingleton(configuration).AddGatewayOptions();
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
    }
}
