using Gateway.Audit;
using Gateway.Detector;
using Gateway.Redis;
using Microsoft.Extensions.Options;

namespace Gateway.Detector;

internal static class DetectorRegistration
{
    /// <summary>
    /// The anomaly detector inside the gateway (<c>Gateway:Detector:InProcess=true</c>), for small
    /// deployments and the demo: the same worker as the detector's own process, on the gateway's
    /// Redis connection. It reads the audit stream, so it needs Redis and auditing.
    /// </summary>
    public static IServiceCollection AddDetector(this IServiceCollection services, IConfiguration configuration)
    {
        if (InProcess(configuration))
        {
            services.AddHostedService<InProcessDetector>();
        }
        return services;
    }

    public static bool InProcess(IConfiguration configuration) => configuration.GetValue($"{DetectorOptions.Section}:InProcess", false);

}

/// <summary>The detector's own checks, and what running it inside the gateway needs: Redis and auditing.</summary>
internal sealed class DetectorOptionsValidator(IConfiguration configuration) : IValidateOptions<DetectorOptions>
{
    public ValidateOptionsResult Validate(string? name, DetectorOptions options)
    {
        var errors = DetectorOptionsCheck.Errors(options).ToList();
        if (options.InProcess)
        {
            if (string.IsNullOrWhiteSpace(configuration[$"{RedisOptions.Section}:Configuration"]))
            {
                errors.Add($"{DetectorOptions.Section}:InProcess: the detector reads the audit stream in Redis; set Gateway:Redis:Configuration.");
            }
            if (!AuditRegistration.Enabled(configuration))
            {
                errors.Add($"{DetectorOptions.Section}:InProcess: the detector reads the audit stream; auditing is off.");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Runs the <see cref="DetectorWorker"/> for as long as the gateway runs.</summary>
internal sealed class InProcessDetector(
    RedisConnection redis,
    IOptions<DetectorOptions> options,
    IOptions<AuditOptions> audit,
    TimeProvider time,
    ILogger<DetectorWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var multiplexer = await redis.GetAsync();
        using var keys = AuditKeys.FromFile(audit.Value.KeyFile!);
        await using var worker = new DetectorWorker(multiplexer, options.Value, keys, time, logger);
        await worker.RunAsync(stoppingToken);
    }
}
