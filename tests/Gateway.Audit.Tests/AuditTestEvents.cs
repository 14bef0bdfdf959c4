using System.Buffers;
using System.Text;
using Gateway.Masking;

namespace Gateway.Audit.Tests;

internal static class AuditTestEvents
{
    public static readonly AuditKeys Keys = new(Encoding.UTF8.GetBytes("audit-test-key-0123456789abcdef-0123456789"));

    public static ApiActivityEvent Request(int status = 200, string path = "/api/contacts", MaskingReport? masking = null, string? deniedBy = null, ConsentReport? consent = null, IReadOnlySet<string>? roles = null) =>
        new(DateTimeOffset.Parse("2026-11-23T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture))
        {
            Method = "GET",
            Path = path,
            StatusCode = status,
            ClientIp = "192.0.2.7",
            Actor = new AuditActor("https://idp.example", "agent-7", "crm-app", "jti-1", roles ?? new HashSet<string> { "support-agent" }, false),
            DeniedBy = deniedBy,
            DenialReason = deniedBy is null ? null : "token_expired",
            Masking = masking,
            Consent = consent,
        };

    /// <summary>A masking report naming <paramref name="count"/> subjects by keyed hash (0, 1, 2, ...): long enough lists take pooled chunks.</summary>
    public static MaskingReport KeyedSubjects(int count)
    {
        var subjects = new SubjectIdList();
        for (var i = 0; i < count; i++)
        {
            subjects.Add(new SubjectHash((ulong)i));
        }
        return new MaskingReport("v-1", "contact", count, subjects, new Dictionary<string, int>());
    }

    /// <summary>Spool lines for <paramref name="count"/> events numbered 1, 2, 3, ..., chained from genesis.</summary>
    public static List<(string Hash, byte[] Json)> Chain(int count, string instance = "gw-test") =>
        Chain(Enumerable.Range(1, count).Select(n => (long)n), instance);

    /// <summary>Spool lines for events with the given numbers (in order; skipped numbers are never written), chained from genesis.</summary>
    public static List<(string Hash, byte[] Json)> Chain(IEnumerable<long> sequences, string instance = "gw-test") =>
        Chain(sequences.Select(sequence => (AuditEvent)Numbered(Request(path: $"/api/contacts/{sequence - 1}"), sequence)), instance);

    /// <summary>Spool lines for numbered events, in order, chained from genesis.</summary>
    public static List<(string Hash, byte[] Json)> Chain(IEnumerable<AuditEvent> events, string instance = "gw-test")
    {
        var chain = new AuditChain(Keys, instance, ChainHead.Genesis);
        var lines = new ArrayBufferWriter<byte>();
        foreach (var auditEvent in events)
        {
            chain.Append(auditEvent, lines);
        }
        return [.. Encoding.ASCII.GetString(lines.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse)];
    }

    /// <summary>Gives <paramref name="auditEvent"/> the number the audit queue would have.</summary>
    public static T Numbered<T>(T auditEvent, long sequence)
        where T : AuditEvent
    {
        auditEvent.Sequence = sequence;
        return auditEvent;
    }

    /// <summary>A spool line <c>HASH SEQUENCE JSON</c> as its hash and JSON.</summary>
    public static (string Hash, byte[] Json) Parse(string line) => (line[..64], Encoding.UTF8.GetBytes(line[(line.IndexOf(' ', 65) + 1)..]));
}
