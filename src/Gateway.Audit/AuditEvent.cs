using System.Text.Json;

namespace Gateway.Audit;

/// <summary>
/// One fact for the audit stream, captured when it happens and serialised later by the audit
/// writer (off the request path). Holds no token and no unmasked value; subject ids are kept only
/// until the writer replaces them with keyed hashes.
/// </summary>
public abstract class AuditEvent
{
    private protected AuditEvent(DateTimeOffset time)
    {
        Time = time;
        Id = AuditEventIds.CreateVersion7(time);
    }

    /// <summary>Stable across spool replays, so a consumer can drop a replayed duplicate.</summary>
    public Guid Id { get; }

    public DateTimeOffset Time { get; }

    public virtual string? TraceId => null;

    /// <summary>The instance's sequence number, given by the gateway's audit queue as the event is queued; 0 until then.</summary>
    public long Sequence { get; set; }

    /// <summary>The OCSF class, activity, status and object attributes.</summary>
    internal abstract void WriteAttributes(Utf8JsonWriter writer, AuditKeys keys);

    /// <summary>Gateway-specific attributes, written inside OCSF's <c>unmapped</c> object.</summary>
    internal abstract void WriteUnmapped(Utf8JsonWriter writer, AuditKeys keys);

    /// <summary>Called once the event has been written to the spool, or dropped: it is never read again.</summary>
    public virtual void ReleaseBuffers()
    {
    }

    internal static void WriteClass(Utf8JsonWriter writer, int classUid, string className, int activityId, string activityName)
    {
        writer.WriteNumber("class_uid"u8, classUid);
        writer.WriteString("class_name"u8, className);
        writer.WriteNumber("category_uid"u8, classUid / 1000);
        writer.WriteString("category_name"u8, "Application Activity"u8);
        writer.WriteNumber("activity_id"u8, activityId);
        writer.WriteString("activity_name"u8, activityName);
        writer.WriteNumber("type_uid"u8, (classUid * 100) + activityId);
        writer.WriteString("type_name"u8, $"{className}: {activityName}");
    }

    internal static void WriteStatus(Utf8JsonWriter writer, bool success, string? detail)
    {
        writer.WriteNumber("status_id"u8, success ? 1 : 2);
        writer.WriteString("status"u8, success ? "Success" : "Failure");
        if (detail is not null)
        {
            writer.WriteString("status_detail"u8, detail);
        }
        writer.WriteNumber("severity_id"u8, success ? 1 : 3);
        writer.WriteString("severity"u8, success ? "Informational" : "Medium");
    }
}
