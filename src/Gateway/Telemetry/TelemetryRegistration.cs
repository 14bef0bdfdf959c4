using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.Telemetry;

internal static class TelemetryRegistration
{
    /// <summary>Instruments and exports only when an OTLP endpoint is configured; otherwise tracing costs nothing on the hot path.</summary>
    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.AddSingleton<GatewayMetrics>();

        var settings = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (settings.OtlpEndpoint is null
            || !Uri.TryCreate(settings.OtlpEndpoint, UriKind.Absolute, out var endpoint)
            || !OtlpProtocols.TryParse(settings.OtlpProtocol, out var protocol))
        {
            return services;
        }
        var tracesEndpoint = protocol == OtlpExportProtocol.HttpProtobuf ? WithPath(endpoint, "v1/traces") : endpoint;
        var metricsEndpoint = protocol == OtlpExportProtocol.HttpProtobuf ? WithPath(endpoint, "v1/metrics") : endpoint;
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(settings.ServiceName))
            .WithTracing(tracing => tracing
                .AddSource(GatewayMetrics.ActivitySourceName, "Yarp.ReverseProxy")
                .AddAspNetCoreInstrumentation(options => options.RecordException = false)
                .AddHttpClientInstrumentation()
                .AddOtlpExporter(options => { options.Endpoint = tracesEndpoint; options.Protocol = protocol; }))
            .WithMetrics(metrics => metrics
                .AddMeter(GatewayMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddOtlpExporter(options => { options.Endpoint = metricsEndpoint; options.Protocol = protocol; }));
        return services;
    }

    /// <summary>Appends a signal path to the collector's base path, whether or not it ends in a slash.</summary>
    private static Uri WithPath(Uri endpoint, string signal) => new($"{endpoint.AbsoluteUri.TrimEnd('/')}/{signal}");
}
