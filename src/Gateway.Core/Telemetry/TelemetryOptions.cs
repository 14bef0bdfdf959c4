namespace Gateway.Core.Telemetry;

/// <summary>Settings under <c>Gateway:Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Gateway:Telemetry";

    /// <summary>OTLP collector (gRPC, e.g. <c>http://otel-collector:4317</c>). Unset: traces and metrics are not exported.</summary>
    public string? OtlpEndpoint { get; set; }

    public string ServiceName { get; set; } = "compliance-gateway";
}
