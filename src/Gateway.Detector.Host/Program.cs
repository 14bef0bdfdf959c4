using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Gateway.Audit;
using Gateway.Detector;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

// gateway-detector: reads the settings the gateway reads (appsettings.json beside the binary, the
// environment as Gateway__Detector__..., the command line as --Gateway:Detector:...=...).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
var configuration = builder.Configuration;
var options = new DetectorOptions();
configuration.GetSection(DetectorOptions.Section).Bind(options);
options.FillFrom(path => configuration[path]);
var errors = DetectorOptionsCheck.Errors(options).ToList();
var redisConfiguration = configuration["Gateway:Redis:Configuration"];
var keyFile = configuration["Gateway:Audit:KeyFile"];
if (string.IsNullOrWhiteSpace(redisConfiguration))
{
    errors.Add("Gateway:Redis:Configuration: the Redis that holds the audit stream is required.");
}
if (string.IsNullOrWhiteSpace(keyFile) || !File.Exists(keyFile))
{
    errors.Add($"Gateway:Audit:KeyFile: the audit key file is required (containment is audited on the chain it keys){(string.IsNullOrWhiteSpace(keyFile) ? "" : $"; '{keyFile}' does not exist")}.");
}
if (errors.Count > 0)
{
    Console.Error.WriteLine("gateway-detector: invalid configuration:");
    foreach (var error in errors)
    {
        Console.Error.WriteLine($"  {error}");
    }
    return 2;
}
builder.Services.AddSingleton(Options.Create(options));
#pragma warning disable RS0030 // The detector process's composition root chooses the system clock.
builder.Services.AddSingleton(TimeProvider.System);
#pragma warning restore RS0030
builder.Services.AddHostedService(sp => new DetectorService(
    redisConfiguration!, keyFile!, sp.GetRequiredService<IOptions<DetectorOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DetectorWorker>>()));
await builder.Build().RunAsync();
return 0;

/// <summary>Connects to Redis (retrying in the background when it is down) and runs the worker until the host stops.</summary>
internal sealed class DetectorService(string redisConfiguration, string keyFile, DetectorOptions options, TimeProvider time, ILogger<DetectorWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = ConfigurationOptions.Parse(redisConfiguration);
        settings.AbortOnConnectFail = false;
        settings.ClientName ??= "gateway-detector";
        await using var redis = await ConnectionMultiplexer.ConnectAsync(settings);
        using var keys = AuditKeys.FromFile(keyFile);
        await using var worker = new DetectorWorker(redis, options, keys, time, logger);
        await worker.RunAsync(stoppingToken);
    }
}
