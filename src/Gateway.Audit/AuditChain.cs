using System.Buffers;
using System.Text.Json;

namespace Gateway.Audit;

/// <summary>Where one instance's chain stands: the last sequence number given and that event's hash.</summary>
public readonly record struct ChainHead(long Sequence, string Hash)
{
    public static ChainHead Genesis { get; } = new(0, new string('0', AuditKeys.ChainHashChars));
}

/// <summary>
/// Serialises events in order, each with the sequence number it was given when queued and the hash
/// of the event before it, and appends them as spool lines: <c>HASH SP SEQUENCE SP JSON LF</c>,
/// where HASH is the HMAC of exactly the JSON bytes. A number given to an event that was never
/// written (dropped, unwritable, lost in a crash) is skipped: the next event still names the hash of
/// the last one written, so the chain holds over the gap and a verifier can tell a number never
/// written from an event removed later. Used by the single writer thread only.
/// </summary>
public sealed class AuditChain
{
    private const int MaxSequenceDigits = 19;
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = false };
    private readonly AuditKeys _keys;
    private readonly string _instance;
    private readonly ArrayBufferWriter<byte> _json = new(4096);
    private readonly Utf8JsonWriter _writer;

    public AuditChain(AuditKeys keys, string instance, ChainHead head)
    {
        _keys = keys;
        _instance = instance;
        Head = head;
        _writer = new Utf8JsonWriter(_json, WriterOptions);
    }

    internal ChainHead Head { get; private set; }

    /// <exception cref="InvalidOperationException">The event's number does not come after the head's (a bug: numbers are given in queue order).</exception>
    public void Append(AuditEvent auditEvent, IBufferWriter<byte> lines)
    {
        var sequence = auditEvent.Sequence;
        if (sequence <= Head.Sequence)
        {
            throw new InvalidOperationException($"Audit event {auditEvent.Id} has sequence {sequence}, not after {Head.Sequence}.");
        }
        _json.ResetWrittenCount();
        _writer.Reset(_json);
        Write(auditEvent, sequence, Head.Hash);
        _writer.Flush();
        var hash = _keys.ChainHash(_json.WrittenSpan);
        var line = lines.GetSpan(hash.Length + 2 + MaxSequenceDigits + 1 + _json.WrittenCount);
        var offset = System.Text.Encoding.ASCII.GetBytes(hash, line);
        line[offset++] = (byte)' ';
        sequence.TryFormat(line[offset..], out var digits, default, System.Globalization.CultureInfo.InvariantCulture);
        offset += digits;
        line[offset++] = (byte)' ';
        _json.WrittenSpan.CopyTo(line[offset..]);
        offset += _json.WrittenCount;
        line[offset++] = (byte)'\n';
        lines.Advance(offset);
        Head = new ChainHead(sequence, hash);
    }

    private void Write(AuditEvent auditEvent, long sequence, string previousHash)
    {
        var writer = _writer;
        writer.WriteStartObject();
        auditEvent.WriteAttributes(writer, _keys);
        writer.WriteNumber("time"u8, auditEvent.Time.ToUnixTimeMilliseconds());
        writer.WriteString("time_dt"u8, auditEvent.Time.UtcDateTime);
        writer.WriteStartObject("metadata"u8);
        writer.WriteString("uid"u8, auditEvent.Id);
        writer.WriteString("version"u8, "1.3.0"u8);
        writer.WriteStartObject("product"u8);
        writer.WriteString("name"u8, "Compliance Gateway"u8);
        writer.WriteString("vendor_name"u8, "Compliance Gateway"u8);
        writer.WriteEndObject();
        writer.WriteStartArray("profiles"u8);
        writer.WriteStringValue("security_control"u8);
        writer.WriteEndArray();
        writer.WriteString("log_provider"u8, _instance);
        writer.WriteNumber("sequence"u8, sequence);
        if (auditEvent.TraceId is { } traceId)
        {
            writer.WriteString("correlation_uid"u8, traceId);
        }
        writer.WriteEndObject();
        writer.WriteStartObject("unmapped"u8);
        auditEvent.WriteUnmapped(writer, _keys);
        writer.WriteString("instance"u8, _instance);
        writer.WriteString("prev_hash"u8, previousHash);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
