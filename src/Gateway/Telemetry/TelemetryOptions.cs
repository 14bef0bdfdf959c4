namespace Gateway.Telemetry;

/// <summary>Settings under <c>Gateway:Telemetry</c>.</summary>
internal sealed class TelemetryOptions
{
    public const string Section = "Gateway:Telemetry";

    /// <summary>OTLP collector (gRPC, e.g. <c>http://otel-collector:4317</c>). Unset: traces and metrics are not exported.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (collector port 4317) or <c>http/protobuf</c> (port 4318, paths <c>/v1/traces</c> and <c>/v1/metrics</c>).</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    public string ServiceName { get; set; } = "compliance-gateway";

    /// <summary>Serve Prometheus text at <c>/metrics</c> on the admin port (never the proxy port); independent of OTLP.</summary>
    public bool PrometheusEnabled { get; set; } = true;
}
