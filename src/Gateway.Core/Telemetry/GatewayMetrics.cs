using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gateway.Core.Telemetry;

/// <summary>The gateway's one Meter and one ActivitySource; stages record through this class only.</summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "ComplianceGateway";
    public const string ActivitySourceName = "ComplianceGateway";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    private readonly Counter<long> _refused;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _refused = meter.CreateCounter<long>("gateway.requests.refused", unit: "{request}", description: "Requests refused by a pipeline stage, by stage and reason code.");
    }

    public void RequestRefused(string stage, string reason) =>
        _refused.Add(1, new KeyValuePair<string, object?>("stage", stage), new KeyValuePair<string, object?>("reason", reason));
}
