using System.Text.Json;
using Gateway.Core.Identity;
using Gateway.Core.Masking;
using Gateway.Core.Purpose;

namespace Gateway.Core.Audit;

/// <summary>One request through the proxy, allowed or denied: OCSF API Activity (6003) with the security_control profile.</summary>
public sealed class ApiActivityEvent(DateTimeOffset time) : AuditEvent(time)
{
    public required string Method { get; init; }

    /// <summary>The path only: query values may hold personal data and never reach an event.</summary>
    public required string Path { get; init; }

    public IReadOnlyList<string> QueryKeys { get; init; } = [];

    public required int StatusCode { get; init; }

    public string? ClientIp { get; init; }

    public string? RouteId { get; init; }

    public GatewayIdentity? Actor { get; init; }

    public string? DeniedBy { get; init; }

    public string? DenialReason { get; init; }

    public MaskingReport? Masking { get; init; }

    public RequestPurpose? Purpose { get; init; }

    public Consent.ConsentReport? Consent { get; init; }

    public double DurationMilliseconds { get; init; }

    /// <summary>The client went away or the connection was aborted (for instance because masking failed mid-body).</summary>
    public bool Aborted { get; init; }

    public string? Trace { get; init; }

    public override string? TraceId => Trace;

    private bool Denied => DeniedBy is not null;

    private bool Modified => Masking is { MaskedByClassAndAction.Count: > 0 }
        || (Consent is { } consent && consent.Counts.Keys.Any(k => !k.StartsWith("allowed:", StringComparison.Ordinal)));

    internal override void WriteAttributes(Utf8JsonWriter writer, AuditKeys keys)
    {
        var (activityId, activityName) = Activity(Method);
        WriteClass(writer, 6003, "API Activity", activityId, activityName);
        WriteStatus(writer, !Denied && !Aborted && StatusCode < 400, DenialReason);
        writer.WriteString("status_code", StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (actionId, action) = Denied ? (2, "Denied") : Modified ? (4, "Modified") : (1, "Allowed");
        writer.WriteNumber("action_id", actionId);
        writer.WriteString("action", action);
        writer.WriteNumber("disposition_id", Denied ? 2 : 1);
        writer.WriteString("disposition", Denied ? "Blocked" : "Allowed");
        writer.WriteNumber("duration", Math.Round(DurationMilliseconds, 3));
        WriteActor(writer);
        if (ClientIp is not null)
        {
            writer.WriteStartObject("src_endpoint");
            writer.WriteString("ip", ClientIp);
            writer.WriteEndObject();
        }
        writer.WriteStartObject("http_request");
        writer.WriteString("http_method", Method);
        writer.WriteStartObject("url");
        writer.WriteString("path", Path);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteStartObject("http_response");
        writer.WriteNumber("code", StatusCode);
        writer.WriteEndObject();
        writer.WriteStartObject("api");
        writer.WriteString("operation", Method);
        if (RouteId is not null)
        {
            writer.WriteStartObject("service");
            writer.WriteString("name", RouteId);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        if (Masking is { } masking)
        {
            writer.WriteStartArray("resources");
            Span<char> pseudonym = stackalloc char[SubjectPseudonymizer.PseudonymChars];
            foreach (var subject in masking.SubjectIds.Utf8)
            {
                writer.WriteStartObject();
                writer.WriteString("type", masking.Entity);
                keys.Pseudonym(subject, pseudonym);
                writer.WriteString("uid", pseudonym);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteStartObject("policy");
            writer.WriteString("name", "masking-rules");
            writer.WriteString("version", masking.RulesVersion);
            writer.WriteEndObject();
        }
    }

    internal override void WriteUnmapped(Utf8JsonWriter writer, AuditKeys keys)
    {
        writer.WriteString("event_kind", "request");
        if (DeniedBy is not null)
        {
            writer.WriteString("denied_by", DeniedBy);
        }
        if (QueryKeys.Count > 0)
        {
            writer.WriteStartArray("query_keys");
            foreach (var key in QueryKeys)
            {
                writer.WriteStringValue(key);
            }
            writer.WriteEndArray();
        }
        if (Aborted)
        {
            writer.WriteBoolean("aborted", true);
        }
        if (Masking is { } masking)
        {
            writer.WriteStartObject("masking");
            writer.WriteString("entity", masking.Entity);
            writer.WriteNumber("records", masking.Records);
            writer.WriteStartObject("masked");
            foreach (var (classAndAction, count) in masking.MaskedByClassAndAction.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WriteNumber(classAndAction, count);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        if (Purpose is { } purpose)
        {
            writer.WriteStartObject("purpose");
            writer.WriteString("name", purpose.Name);
            writer.WriteString("basis", purpose.Basis.Name());
            writer.WriteString("source", purpose.Source);
            writer.WriteEndObject();
        }
        if (Consent is { } consent)
        {
            WriteConsent(writer, consent);
        }
    }

    /// <summary>One entry per decided record (up to the report's limit), then the counts of all of them.</summary>
    private static void WriteConsent(Utf8JsonWriter writer, Consent.ConsentReport consent)
    {
        writer.WriteStartArray("consent");
        Span<char> hex = stackalloc char[32];
        foreach (var decision in consent.EnumerateListed())
        {
            writer.WriteStartObject();
            if (!decision.Hash.IsEmpty)
            {
                Convert.TryToHexStringLower(decision.Hash, hex, out _);
                writer.WriteString("subject", hex);
            }
            writer.WriteString("purpose", consent.Purpose);
            writer.WriteString("basis", consent.Basis);
            writer.WriteString("decision", decision.Decision);
            writer.WriteString("reason", decision.Reason);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartObject("consent_counts");
        foreach (var (decision, count) in consent.Counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            writer.WriteNumber(decision, count);
        }
        writer.WriteEndObject();
        if (consent.StoreUnavailable)
        {
            writer.WriteBoolean("consent_store_unavailable", true);
        }
    }

    private void WriteActor(Utf8JsonWriter writer)
    {
        if (Actor is not { } actor)
        {
            return;
        }
        writer.WriteStartObject("actor");
        writer.WriteStartObject("user");
        writer.WriteString("uid", actor.Subject);
        writer.WriteBoolean("has_mfa", actor.MfaUsed);
        writer.WriteStartArray("groups");
        foreach (var role in actor.Roles.Order(StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("name", role);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        if (actor.ClientId is not null)
        {
            writer.WriteString("app_uid", actor.ClientId);
        }
        writer.WriteStartObject("idp");
        writer.WriteString("name", actor.Issuer);
        writer.WriteEndObject();
        if (actor.TokenId is not null)
        {
            writer.WriteStartObject("session");
            writer.WriteString("uid", actor.TokenId);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    private static (int Id, string Name) Activity(string method) => method switch
    {
        "GET" or "HEAD" or "OPTIONS" => (2, "Read"),
        "POST" => (1, "Create"),
        "PUT" or "PATCH" => (3, "Update"),
        "DELETE" => (4, "Delete"),
        _ => (99, "Other"),
    };
}
