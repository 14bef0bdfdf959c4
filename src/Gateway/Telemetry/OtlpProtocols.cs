using OpenTelemetry.Exporter;

namespace Gateway.Telemetry;

internal static class OtlpProtocols
{
    /// <summary>Accepts the names the OpenTelemetry specification uses for OTEL_EXPORTER_OTLP_PROTOCOL.</summary>
    public static bool TryParse(string? name, out OtlpExportProtocol protocol)
    {
        switch (name)
        {
            case "grpc":
                protocol = OtlpExportProtocol.Grpc;
                return true;
            case "http/protobuf":
                protocol = OtlpExportProtocol.HttpProtobuf;
                return true;
            default:
                protocol = default;
                return false;
        }
    }
}
