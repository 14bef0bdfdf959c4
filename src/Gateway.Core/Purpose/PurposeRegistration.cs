using Gateway.Core.Consent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Core.Purpose;

internal static class PurposeRegistration
{
    /// <summary>The purpose stage, and the consent stage when a purpose depends on the subject's word.</summary>
    public static void AddGatewayPurposes(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHostedService<PurposesDisabledWarning>();
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

/// <summary>Says at every start when requests carry no purpose, so nobody mistakes the gateway for enforcing consent.</summary>
internal sealed partial class PurposesDisabledWarning(IConfiguration configuration, ILogger<PurposesDisabledWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!PurposeRegistration.Enabled(configuration))
        {
            LogDisabled(logger);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1810, Level = LogLevel.Warning, Message = "Purposes are off (no Gateway:Purposes:Catalog): requests need no purpose and no consent is checked")]
    private static partial void LogDisabled(ILogger logger);
}
