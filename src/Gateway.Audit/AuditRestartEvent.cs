using System.Globalization;
using System.Text.Json;

namespace Gateway.Audit;

/// <summary>
/// The first event of a process that started after the previous one ended without stopping
/// (killed, crashed, the machine lost): OCSF Application Lifecycle (6002), activity Start. It says
/// which sequence numbers that process had reserved and never wrote, so that <c>audit verify</c>
/// can tell that gap from events removed from the stream, and under which durability setting it
/// ran, which says whether answered requests can be among them.
/// </summary>
public sealed class AuditRestartEvent : AuditEvent
{
    public const string ChangeName = "audit_restart";

    public AuditRestartEvent(DateTimeOffset time, UnwrittenSequences unwritten)
        : base(time) => Unwritten = unwritten;

    public UnwrittenSequences Unwritten { get; }

    internal override void WriteAttributes(Utf8JsonWriter writer, AuditKeys keys)
    {
        WriteClass(writer, 6002, "Application Lifecycle", 3, "Start");
        WriteStatus(writer, success: false, "previous_process_crashed");
        writer.WriteString("message"u8, Unwritten.Count == 0
            ? "The audit trail restarted after its previous process ended without stopping; that process had written every sequence number it reserved."
            : string.Create(CultureInfo.InvariantCulture, $"The audit trail restarted after its previous process ended without stopping; sequence numbers {Unwritten.First} to {Unwritten.Last}, reserved by that process, were not written: the events of requests in flight or queued then (with Durability=queued, possibly of requests already answered) and numbers never handed out."));
        writer.WriteStartObject("app"u8);
        writer.WriteString("name"u8, "Compliance Gateway"u8);
        writer.WriteStartObject("feature"u8);
        writer.WriteString("name"u8, "audit_trail"u8);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    internal override void WriteUnmapped(Utf8JsonWriter writer, AuditKeys keys)
    {
        writer.WriteString("event_kind"u8, "change"u8);
        writer.WriteString("change"u8, ChangeName);
        writer.WriteString("previous_durability"u8, Unwritten.PreviousDurability);
        if (Unwritten.Count > 0)
        {
            writer.WriteStartObject("unwritten_sequences"u8);
            writer.WriteNumber("first"u8, Unwritten.First);
            writer.WriteNumber("last"u8, Unwritten.Last);
            writer.WriteEndObject();
        }
    }
}
