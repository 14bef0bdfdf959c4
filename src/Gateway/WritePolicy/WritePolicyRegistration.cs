using Gateway.Masking;
using Gateway.Pipeline;
using Gateway.Purpose;
using Gateway.RequestGuard;
using Microsoft.Extensions.Options;

namespace Gateway.WritePolicy;

internal static class WritePolicyRegistration
{
    /// <summary>
    /// The write check judges by the masking stage's rules, so it is on exactly when masking is: with
    /// masking switched off there are no rules to judge by (the start-up warning says writes go unchecked too).
    /// </summary>
    public static IServiceCollection AddWritePolicy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStage(nameof(AddWritePolicy), MaskingRegistration.Enabled(configuration));
        services.AddHostedService<UncoveredWritesWarning>();
        return services;
    }

    /// <summary>Refuses operations and written fields the caller's role may not perform or write, judging the body the guard holds before anything is forwarded.</summary>
    public static IApplicationBuilder UseWritePolicy(this IApplicationBuilder app)
    {
        var enabled = app.RequireAdded(nameof(AddWritePolicy), nameof(UseWritePolicy));
        app.RequireAdded(nameof(MaskingRegistration.AddResponseMasking), nameof(UseWritePolicy));
        app.RequireUsedBefore(nameof(UseWritePolicy), nameof(PurposeRegistration.UseGatewayPurpose), "a write is judged for a caller whose purpose is settled");
        app.RequireUsedBefore(nameof(UseWritePolicy), nameof(RequestGuardRegistration.UseWholeRequestBody), "the body judged is the whole body the CRM will receive");
        return app.UseStage<WritePolicyMiddleware>(nameof(UseWritePolicy), enabled);
    }
}

/// <summary>Says at start, loudly, that writes to routes no rules entity covers go through unchecked.</summary>
internal sealed partial class UncoveredWritesWarning(IOptions<WritePolicyOptions> options, ILogger<UncoveredWritesWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.AllowsUncoveredRoutes)
        {
            LogUncoveredWritesAllowed(logger);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1900, Level = LogLevel.Warning,
        Message = "Gateway:WritePolicy:UncoveredRoutes is allow: creates, updates and deletes on routes no rules entity covers are forwarded unchecked (each is audited).")]
    private static partial void LogUncoveredWritesAllowed(ILogger logger);
}
