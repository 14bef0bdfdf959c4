using System.Text.Json;

namespace Gateway.Detector;

/// <summary>An alert as OCSF 1.3 Detection Finding (class 2004, activity Create): what goes on the alerts stream. docs/alerts.md describes it.</summary>
internal static class DetectionFinding
{
    public static byte[] ToJson(Alert alert, string auditStream, string detector)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            var (severityId, severity) = alert.Score >= 85 ? (4, "High") : alert.Score >= 70 ? (3, "Medium") : (2, "Low");
            writer.WriteStartObject();
            writer.WriteNumber("class_uid"u8, 2004);
            writer.WriteString("class_name"u8, "Detection Finding"u8);
            writer.WriteNumber("category_uid"u8, 2);
            writer.WriteString("category_name"u8, "Findings"u8);
            writer.WriteNumber("activity_id"u8, 1);
            writer.WriteString("activity_name"u8, "Create"u8);
            writer.WriteNumber("type_uid"u8, 200401);
            writer.WriteString("type_name"u8, "Detection Finding: Create"u8);
            writer.WriteNumber("severity_id"u8, severityId);
            writer.WriteString("severity"u8, severity);
            writer.WriteNumber("status_id"u8, 1);
            writer.WriteString("status"u8, "New"u8);
            writer.WriteNumber("risk_score"u8, alert.Score);
            writer.WriteString("message"u8, Message(alert));
            writer.WriteNumber("time"u8, alert.Created.ToUnixTimeMilliseconds());
            writer.WriteString("time_dt"u8, alert.Created.UtcDateTime);
            writer.WriteStartObject("finding_info"u8);
            writer.WriteString("uid"u8, alert.Id);
            writer.WriteString("title"u8, $"Unusual data access by {alert.Principal}");
            writer.WriteString("desc"u8, string.Join("; ", alert.Signals.Select(s => s.Reason)));
            writer.WriteStartArray("types"u8);
            foreach (var signal in alert.Signals)
            {
                writer.WriteStringValue(signal.Name);
            }
            writer.WriteEndArray();
            writer.WriteNumber("first_seen_time"u8, alert.FirstSeen);
            writer.WriteNumber("last_seen_time"u8, alert.LastSeen);
            writer.WriteStartArray("data_sources"u8);
            writer.WriteStringValue(auditStream);
            writer.WriteEndArray();
            writer.WriteStartArray("related_events"u8);
            foreach (var eventId in alert.Evidence)
            {
                writer.WriteStartObject();
                writer.WriteString("uid"u8, eventId);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteStartObject("actor"u8);
            writer.WriteStartObject("user"u8);
            writer.WriteString("uid"u8, alert.Principal);
            if (alert.Role is not null)
            {
                writer.WriteStartArray("groups"u8);
                writer.WriteStartObject();
                writer.WriteString("name"u8, alert.Role);
                writer.WriteEndObject();
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
            if (alert.ClientIp is not null)
            {
                writer.WriteStartObject("src_endpoint"u8);
                writer.WriteString("ip"u8, alert.ClientIp);
                writer.WriteEndObject();
            }
            writer.WriteStartObject("metadata"u8);
            writer.WriteString("uid"u8, alert.Id);
            writer.WriteString("version"u8, "1.3.0"u8);
            writer.WriteStartObject("product"u8);
            writer.WriteString("name"u8, "Compliance Gateway"u8);
            writer.WriteString("vendor_name"u8, "Compliance Gateway"u8);
            writer.WriteStartObject("feature"u8);
            writer.WriteString("name"u8, "detector"u8);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteString("log_provider"u8, detector);
            writer.WriteEndObject();
            writer.WriteStartObject("unmapped"u8);
            writer.WriteString("principal"u8, alert.Principal);
            writer.WriteBoolean("principal_is_subject"u8, alert.HasSubject);
            writer.WriteNumber("score"u8, alert.Score);
            writer.WriteStartArray("signals"u8);
            foreach (var signal in alert.Signals)
            {
                writer.WriteStartObject();
                writer.WriteString("name"u8, signal.Name);
                writer.WriteNumber("score"u8, signal.Score);
                writer.WriteNumber("value"u8, signal.Value);
                writer.WriteNumber("threshold"u8, signal.Threshold);
                writer.WriteString("reason"u8, signal.Reason);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteNumber("evidence_count"u8, alert.EvidenceCount);
            if (alert.UserAgent is not null)
            {
                writer.WriteString("user_agent"u8, alert.UserAgent);
            }
            writer.WriteStartObject("containment"u8);
            writer.WriteString("action"u8, alert.Plan.Action);
            if (alert.Plan.Action == "tighten")
            {
                writer.WriteNumber("factor"u8, alert.Plan.Factor);
            }
            if (alert.Plan.Action != "alert")
            {
                writer.WriteNumber("duration_seconds"u8, (long)alert.Plan.Duration.TotalSeconds);
            }
            if (alert.Plan.Skipped is not null)
            {
                writer.WriteString("skipped"u8, alert.Plan.Skipped);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static string Message(Alert alert) =>
        $"{alert.Principal}{(alert.Role is null ? "" : $" ({alert.Role})")} scored {alert.Score}/100: {string.Join("; ", alert.Signals.Select(s => s.Reason))}.";
}
