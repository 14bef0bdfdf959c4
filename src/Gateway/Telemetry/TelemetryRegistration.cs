using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.Telemetry;

internal static class TelemetryRegistration
{
    /// <summary>The runtime's own meter (GC, thread pool, exceptions), built into .NET 9 and later.</summary>
    private const string RuntimeMeterName = "System.Runtime";

    /// <summary>
    /// Metrics are collected when Prometheus scraping or an OTLP endpoint is on; traces only with
    /// OTLP, so that without a collector tracing costs nothing on the hot path.
    /// </summary>
    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.AddSingleton<GatewayMetrics>();

        var settings = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var otlp = settings.OtlpEndpoint is not null
            && Uri.TryCreate(settings.OtlpEndpoint, UriKind.Absolute, out var endpoint)
            && OtlpProtocols.TryParse(settings.OtlpProtocol, out var protocol)
                ? (Endpoint: endpoint, Protocol: protocol)
                : ((Uri Endpoint, OtlpExportProtocol Protocol)?)null;
        if (otlp is null && !settings.PrometheusEnabled)
        {
            return services;
        }
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(settings.ServiceName))
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(GatewayMetrics.MeterName, RuntimeMeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                if (settings.PrometheusEnabled)
                {
                    metrics.AddPrometheusExporter();
                }
                if (otlp is { } metricsTarget)
                {
                    var metricsEndpoint = metricsTarget.Protocol == OtlpExportProtocol.HttpProtobuf ? WithPath(metricsTarget.Endpoint, "v1/metrics") : metricsTarget.Endpoint;
                    metrics.AddOtlpExporter(options => { options.Endpoint = metricsEndpoint; options.Protocol = metricsTarget.Protocol; });
                }
            });
        if (otlp is { } tracesTarget)
        {
            var tracesEndpoint = tracesTarget.Protocol == OtlpExportProtocol.HttpProtobuf ? WithPath(tracesTarget.Endpoint, "v1/traces") : tracesTarget.Endpoint;
            telemetry.WithTracing(tracing => tracing
                .AddSource(GatewayMetrics.ActivitySourceName, "Yarp.ReverseProxy")
                .AddAspNetCoreInstrumentation(options => options.RecordException = false)
                .AddHttpClientInstrumentation()
                .AddOtlpExporter(options => { options.Endpoint = tracesEndpoint; options.Protocol = tracesTarget.Protocol; }));
        }
        return services;
    }

    /// <summary>Appends a signal path to the collector's base path, whether or not it ends in a slash.</summary>
    private static Uri WithPath(Uri endpoint, string signal) => new($"{endpoint.AbsoluteUri.TrimEnd('/')}/{signal}");
}
