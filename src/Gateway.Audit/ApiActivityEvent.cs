using System.Buffers;
using System.Text.Json;
using Gateway.Masking;
using Gateway.Masking.Writes;

namespace Gateway.Audit;

/// <summary>
/// One request through the proxy, allowed or denied: OCSF API Activity (6003) with the
/// security_control profile. Built from plain values: the gateway maps what its stages found
/// (caller, purpose, masking and consent reports) onto it.
/// </summary>
public sealed class ApiActivityEvent(DateTimeOffset time) : AuditEvent(time)
{
    public required string Method { get; init; }

    /// <summary>The path only: query values may hold personal data and never reach an event.</summary>
    public required string Path { get; init; }

    public IReadOnlyList<string> QueryKeys { get; init; } = [];

    public required int StatusCode { get; init; }

    public string? ClientIp { get; init; }

    /// <summary>The request's User-Agent, the one header value an event holds (cut by the gateway), so that a new client program for a principal shows.</summary>
    public string? UserAgent { get; init; }

    public string? RouteId { get; init; }

    public AuditActor? Actor { get; init; }

    public string? DeniedBy { get; init; }

    public string? DenialReason { get; init; }

    public MaskingReport? Masking { get; init; }

    public AuditPurpose? Purpose { get; init; }

    public ConsentReport? Consent { get; init; }

    /// <summary>What the request does to records (<c>read</c>, <c>create</c>, <c>update</c>, <c>delete</c>), which sets the activity; by method when null.</summary>
    public string? Operation { get; init; }

    /// <summary>What a create, update or delete wrote or tried to write: entity, subjects, field paths and classes (never values), refusal.</summary>
    public WriteReport? Write { get; init; }

    /// <summary>The caller's quota use after this request, and what its budgets withheld or masked.</summary>
    public AuditQuota? Quota { get; init; }

    /// <summary>Names (never values) of the CRM's response headers a masked route did not pass on.</summary>
    public IReadOnlyList<string> DroppedResponseHeaders { get; init; } = [];

    /// <summary>Names of the CRM's response trailers a masked route did not pass on.</summary>
    public IReadOnlyList<string> DroppedResponseTrailers { get; init; } = [];

    public double DurationMilliseconds { get; init; }

    /// <summary>The client went away or the connection was aborted (for instance because masking failed mid-body).</summary>
    public bool Aborted { get; init; }

    public string? Trace { get; init; }

    public override string? TraceId => Trace;

    private bool Denied => DeniedBy is not null;

    public override void ReleaseBuffers()
    {
        Write?.SubjectIds.Release();
        if (Masking is { } masking)
        {
            masking.SubjectIds.Release();
            // The consent report is in the event from the start; only a finished masking report
            // says that its gate has stopped adding to it (a failed request may not wait for masking).
            Consent?.Release();
        }
    }

    private bool Modified => Masking is { MaskedByClassAndAction.Count: > 0 }
        || Consent is { AnyWithheld: true }
        || Quota is { RecordsWithheld: > 0 } or { RecordsMasked: > 0 };

    internal override void WriteAttributes(Utf8JsonWriter writer, AuditKeys keys)
    {
        var (activityId, activityName) = Operation is null ? Activity(Method) : ActivityOf(Operation);
        WriteClass(writer, 6003, "API Activity", activityId, activityName);
        WriteStatus(writer, !Denied && !Aborted && StatusCode < 400, DenialReason);
        writer.WriteString("status_code"u8, StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (actionId, action) = Denied ? (2, "Denied") : Modified ? (4, "Modified") : (1, "Allowed");
        writer.WriteNumber("action_id"u8, actionId);
        writer.WriteString("action"u8, action);
        writer.WriteNumber("disposition_id"u8, Denied ? 2 : 1);
        writer.WriteString("disposition"u8, Denied ? "Blocked" : "Allowed");
        writer.WriteNumber("duration"u8, Math.Round(DurationMilliseconds, 3));
        WriteActor(writer);
        if (ClientIp is not null)
        {
            writer.WriteStartObject("src_endpoint"u8);
            writer.WriteString("ip"u8, ClientIp);
            writer.WriteEndObject();
        }
        writer.WriteStartObject("http_request"u8);
        writer.WriteString("http_method"u8, Method);
        writer.WriteStartObject("url"u8);
        writer.WriteString("path"u8, Path);
        writer.WriteEndObject();
        if (UserAgent is not null)
        {
            writer.WriteString("user_agent"u8, UserAgent);
        }
        writer.WriteEndObject();
        writer.WriteStartObject("http_response"u8);
        writer.WriteNumber("code"u8, StatusCode);
        writer.WriteEndObject();
        writer.WriteStartObject("api"u8);
        writer.WriteString("operation"u8, Method);
        if (RouteId is not null)
        {
            writer.WriteStartObject("service"u8);
            writer.WriteString("name"u8, RouteId);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        if (Masking is not null || Write is not null)
        {
            writer.WriteStartArray("resources"u8);
            Span<char> pseudonym = stackalloc char[SubjectPseudonymizer.PseudonymChars];
            if (Masking is { } masking)
            {
                WriteResources(writer, keys, masking.Entity, masking.SubjectIds, pseudonym);
            }
            if (Write is { Entity: { } entity } write)
            {
                WriteResources(writer, keys, entity, write.SubjectIds, pseudonym);
            }
            writer.WriteEndArray();
            writer.WriteStartObject("policy"u8);
            writer.WriteString("name"u8, "masking-rules"u8);
            writer.WriteString("version"u8, Masking?.RulesVersion ?? Write!.RulesVersion);
            writer.WriteEndObject();
        }
    }

    /// <summary>Each subject as its pseudonym (or the keyed hash a record gate already made), never the id.</summary>
    private static void WriteResources(Utf8JsonWriter writer, AuditKeys keys, string entity, SubjectIdList subjects, Span<char> pseudonym)
    {
        foreach (var subject in subjects.Entries)
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, entity);
            if (subjects.Keyed)
            {
                SubjectHash.FromBytes(subject).WriteHex(pseudonym);
            }
            else
            {
                keys.Pseudonym(subject, pseudonym);
            }
            writer.WriteString("uid"u8, pseudonym);
            writer.WriteEndObject();
        }
    }

    internal override void WriteUnmapped(Utf8JsonWriter writer, AuditKeys keys)
    {
        writer.WriteString("event_kind"u8, "request"u8);
        if (DeniedBy is not null)
        {
            writer.WriteString("denied_by"u8, DeniedBy);
        }
        if (QueryKeys.Count > 0)
        {
            writer.WriteStartArray("query_keys"u8);
            foreach (var key in QueryKeys)
            {
                writer.WriteStringValue(key);
            }
            writer.WriteEndArray();
        }
        if (Aborted)
        {
            writer.WriteBoolean("aborted"u8, true);
        }
        if (Masking is { } masking)
        {
            writer.WriteStartObject("masking"u8);
            writer.WriteString("entity"u8, masking.Entity);
            writer.WriteNumber("records"u8, masking.Records);
            writer.WriteStartObject("masked"u8);
            WriteSortedCounts(writer, masking.MaskedByClassAndAction);
            writer.WriteEndObject();
            if (masking.ClearHighSensitivity.Count > 0)
            {
                writer.WriteStartObject("clear_high"u8);
                WriteSortedCounts(writer, masking.ClearHighSensitivity);
                writer.WriteEndObject();
            }
            if (masking.ClearHighValues > 0)
            {
                writer.WriteNumber("clear_high_values"u8, masking.ClearHighValues);
            }
            writer.WriteEndObject();
        }
        if (Write is { } write)
        {
            WriteWrite(writer, write);
        }
        if (Purpose is { } purpose)
        {
            writer.WriteStartObject("purpose"u8);
            writer.WriteString("name"u8, purpose.Name);
            writer.WriteString("basis"u8, purpose.Basis);
            writer.WriteString("source"u8, purpose.Source);
            writer.WriteEndObject();
        }
        if (Consent is { } consent)
        {
            WriteConsent(writer, consent);
        }
        if (Quota is { } quota)
        {
            WriteQuota(writer, quota);
        }
        if (DroppedResponseHeaders.Count > 0 || DroppedResponseTrailers.Count > 0)
        {
            writer.WriteStartObject("headers_dropped"u8);
            WriteNames(writer, "response"u8, DroppedResponseHeaders);
            WriteNames(writer, "trailers"u8, DroppedResponseTrailers);
            writer.WriteEndObject();
        }
    }

    /// <summary>The paths and classes of the fields written, by name only, and the refusal's code, reason, path and class.</summary>
    private static void WriteWrite(Utf8JsonWriter writer, WriteReport write)
    {
        writer.WriteStartObject("write"u8);
        writer.WriteString("operation"u8, write.Operation);
        if (write.Entity is not null)
        {
            writer.WriteString("entity"u8, write.Entity);
        }
        writer.WriteNumber("records"u8, write.Records);
        writer.WriteStartArray("fields"u8);
        foreach (var field in write.Fields)
        {
            writer.WriteStartObject();
            writer.WriteString("path"u8, field.Path);
            writer.WriteString("class"u8, field.Class);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        if (write.FieldsTruncated)
        {
            writer.WriteBoolean("fields_truncated"u8, true);
        }
        if (write.Refusal is { } refusal)
        {
            writer.WriteStartObject("refusal"u8);
            writer.WriteString("code"u8, refusal.Code);
            WriteIfSet(writer, "reason"u8, refusal.Reason);
            WriteIfSet(writer, "entity"u8, refusal.Entity);
            WriteIfSet(writer, "path"u8, refusal.Path);
            WriteIfSet(writer, "class"u8, refusal.Class);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    private static void WriteQuota(Utf8JsonWriter writer, AuditQuota quota)
    {
        writer.WriteStartObject("quota"u8);
        writer.WriteString("source"u8, quota.Source);
        writer.WriteNumber("factor"u8, quota.Factor);
        WriteQuotaUse(writer, "requests"u8, quota.Requests);
        WriteQuotaUse(writer, "records"u8, quota.Records);
        WriteQuotaUse(writer, "clear_values"u8, quota.ClearValues);
        writer.WriteNumber("records_counted"u8, quota.RecordsCounted);
        writer.WriteNumber("clear_values_counted"u8, quota.ClearValuesCounted);
        if (quota.RecordsWithheld > 0)
        {
            writer.WriteNumber("records_withheld"u8, quota.RecordsWithheld);
        }
        if (quota.RecordsMasked > 0)
        {
            writer.WriteNumber("records_masked"u8, quota.RecordsMasked);
        }
        writer.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter writer, ReadOnlySpan<byte> property, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(property, value);
        }
    }

    private static void WriteQuotaUse(Utf8JsonWriter writer, ReadOnlySpan<byte> property, AuditQuotaUse? use)
    {
        if (use is null)
        {
            return;
        }
        writer.WriteStartObject(property);
        writer.WriteNumber("used"u8, use.Used);
        writer.WriteNumber("limit"u8, use.Limit);
        writer.WriteEndObject();
    }

    private static void WriteNames(Utf8JsonWriter writer, ReadOnlySpan<byte> property, IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return;
        }
        writer.WriteStartArray(property);
        foreach (var name in names)
        {
            writer.WriteStringValue(name);
        }
        writer.WriteEndArray();
    }

    /// <summary>One entry per decided record (up to the report's limit), then the counts of all of them.</summary>
    private static void WriteConsent(Utf8JsonWriter writer, ConsentReport consent)
    {
        writer.WriteStartArray("consent"u8);
        Span<char> hex = stackalloc char[32];
        foreach (var decision in consent.EnumerateListed())
        {
            writer.WriteStartObject();
            if (!decision.Hash.IsEmpty)
            {
                Convert.TryToHexStringLower(decision.Hash, hex, out _);
                writer.WriteString("subject"u8, hex);
            }
            writer.WriteString("purpose"u8, consent.Purpose);
            writer.WriteString("basis"u8, consent.Basis);
            writer.WriteString("decision"u8, decision.Decision);
            writer.WriteString("reason"u8, decision.Reason);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartObject("consent_counts"u8);
        WriteSortedCounts(writer, consent.Kinds);
        writer.WriteEndObject();
        if (consent.StoreUnavailable)
        {
            writer.WriteBoolean("consent_store_unavailable"u8, true);
        }
    }

    /// <summary>In key order, so that the same counts always make the same bytes.</summary>
    private static void WriteSortedCounts(Utf8JsonWriter writer, IReadOnlyDictionary<string, int> counts)
    {
        var pooled = ArrayPool<KeyValuePair<string, int>>.Shared.Rent(counts.Count);
        var filled = 0;
        foreach (var count in counts)
        {
            pooled[filled++] = count;
        }
        WriteInKeyOrder(writer, pooled, filled);
    }

    /// <summary>A consent report's counts, keyed <c>decision:reason</c>, without making a dictionary for each event.</summary>
    private static void WriteSortedCounts(Utf8JsonWriter writer, IReadOnlyList<(string Decision, string Reason, int Count)> kinds)
    {
        var pooled = ArrayPool<KeyValuePair<string, int>>.Shared.Rent(kinds.Count);
        for (var i = 0; i < kinds.Count; i++)
        {
            pooled[i] = new(DecisionTally.Key(kinds[i].Decision, kinds[i].Reason), kinds[i].Count);
        }
        WriteInKeyOrder(writer, pooled, kinds.Count);
    }

    /// <summary>Sorts the first <paramref name="filled"/> counts by key, writes them, and gives the array back to the pool.</summary>
    private static void WriteInKeyOrder(Utf8JsonWriter writer, KeyValuePair<string, int>[] pooled, int filled)
    {
        try
        {
            var counts = pooled.AsSpan(0, filled);
            counts.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            foreach (var (key, count) in counts)
            {
                writer.WriteNumber(key, count);
            }
        }
        finally
        {
            ArrayPool<KeyValuePair<string, int>>.Shared.Return(pooled, clearArray: true);
        }
    }

    private void WriteActor(Utf8JsonWriter writer)
    {
        if (Actor is not { } actor)
        {
            return;
        }
        writer.WriteStartObject("actor"u8);
        writer.WriteStartObject("user"u8);
        writer.WriteString("uid"u8, actor.Subject);
        writer.WriteBoolean("has_mfa"u8, actor.MfaUsed);
        writer.WriteStartArray("groups"u8);
        WriteRolesInOrder(writer, actor.Roles);
        writer.WriteEndArray();
        writer.WriteEndObject();
        if (actor.ClientId is not null)
        {
            writer.WriteString("app_uid"u8, actor.ClientId);
        }
        writer.WriteStartObject("idp"u8);
        writer.WriteString("name"u8, actor.Issuer);
        writer.WriteEndObject();
        if (actor.TokenId is not null)
        {
            writer.WriteStartObject("session"u8);
            writer.WriteString("uid"u8, actor.TokenId);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    /// <summary>In ordinal order, so that the same roles always make the same bytes; sorted in a pooled array, since this runs for every event.</summary>
    private static void WriteRolesInOrder(Utf8JsonWriter writer, IReadOnlySet<string> roles)
    {
        var sorted = ArrayPool<string>.Shared.Rent(roles.Count);
        try
        {
            var count = 0;
            foreach (var role in roles)
            {
                sorted[count++] = role;
            }
            var inOrder = sorted.AsSpan(0, count);
            inOrder.Sort(string.CompareOrdinal);
            foreach (var role in inOrder)
            {
                writer.WriteStartObject();
                writer.WriteString("name"u8, role);
                writer.WriteEndObject();
            }
        }
        finally
        {
            ArrayPool<string>.Shared.Return(sorted, clearArray: true);
        }
    }

    private static (int Id, string Name) Activity(string method) => method switch
    {
        "GET" or "HEAD" or "OPTIONS" => (2, "Read"),
        "POST" => (1, "Create"),
        "PUT" or "PATCH" => (3, "Update"),
        "DELETE" => (4, "Delete"),
        _ => (99, "Other"),
    };

    private static (int Id, string Name) ActivityOf(string operation) => operation switch
    {
        "create" => (1, "Create"),
        "read" => (2, "Read"),
        "update" => (3, "Update"),
        "delete" => (4, "Delete"),
        _ => (99, "Other"),
    };
}
