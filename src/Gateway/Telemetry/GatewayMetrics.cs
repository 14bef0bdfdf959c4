using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gateway.Audit;

namespace Gateway.Telemetry;

/// <summary>The gateway's one Meter and one ActivitySource; stages record through this class only.</summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "ComplianceGateway";
    public const string ActivitySourceName = "ComplianceGateway";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _maskedValues;
    private readonly Counter<long> _rulesReloads;
    private readonly Counter<long> _headersDropped;
    private readonly Counter<long> _auditQueued;
    private readonly Counter<long> _auditSpooled;
    private readonly Counter<long> _auditWritten;
    private readonly Counter<long> _auditReplayed;
    private readonly Counter<long> _auditDropped;
    private readonly Counter<long> _auditSkipped;
    private readonly Counter<long> _auditFallbacks;
    private readonly Histogram<double> _auditHeld;
    private readonly Histogram<double> _auditWriteLatency;

    private readonly Counter<long> _upstreamTokenRequests;
    private readonly Counter<long> _quotaWithoutRedis;

    private readonly Counter<long> _consentDecisions;
    private readonly Counter<long> _consentLookups;
    private readonly Histogram<double> _consentLookupLatency;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("gateway.requests", unit: "{request}", description: "Requests on the proxy port by outcome (served, refused, failed), with the refusing stage and reason code when refused.");
        _maskedValues = _meter.CreateCounter<long>("gateway.masking.values", unit: "{value}", description: "Values masked in CRM responses, by data class and masking action.");
        _rulesReloads = _meter.CreateCounter<long>("gateway.rules.reloads", unit: "{reload}", description: "Changes of the masking rules file seen, by outcome (accepted or refused).");
        _refused = _meter.CreateCounter<long>("gateway.requests.refused", unit: "{request}", description: "Requests refused by a pipeline stage, by stage and reason code.");
        _headersDropped = _meter.CreateCounter<long>("gateway.headers.dropped", unit: "{header}", description: "Headers not passed on: client request headers no allow-list names (direction request); CRM response headers and trailers on masked routes (response, trailer).");
        _auditQueued = _meter.CreateCounter<long>("gateway.audit.events.queued", unit: "{event}", description: "Audit events handed to the audit writer.");
        _auditSpooled = _meter.CreateCounter<long>("gateway.audit.events.spooled", unit: "{event}", description: "Audit events written to the local spool (every event is, before Redis).");
        _auditWritten = _meter.CreateCounter<long>("gateway.audit.events.written", unit: "{event}", description: "Audit events Redis confirmed.");
        _auditReplayed = _meter.CreateCounter<long>("gateway.audit.events.replayed", unit: "{event}", description: "Audit events sent to Redis late: after an outage or a restart.");
        _auditDropped = _meter.CreateCounter<long>("gateway.audit.events.dropped", unit: "{event}", description: "Audit events lost (only with FailMode=open). Must stay 0.");
        _quotaWithoutRedis = _meter.CreateCounter<long>("gateway.quota.without_redis", unit: "{request}", description: "Requests with budgets that Redis did not check, by what WhenRedisDown made of them (refuse: 503; local: this instance's share checked).");
        // Exported from the start: a series that should stay 0 is alerted on, and an absent one would look the same as a healthy one.
        _auditDropped.Add(0);
        _consentDecisions = _meter.CreateCounter<long>("gateway.consent.decisions", unit: "{record}", description: "Records decided by the consent stage, by purpose, decision and reason.");
        _consentLookups = _meter.CreateCounter<long>("gateway.consent.lookups", unit: "{subject}", description: "Consent answers by where they came from: cache, store, shared (a lookup another response had sent), or unavailable (treated as no consent).");
        _consentLookupLatency = _meter.CreateHistogram<double>("gateway.consent.lookup.duration", unit: "ms", description: "Time the consent store took to answer one pipelined batch of lookups.");
        _auditSkipped = _meter.CreateCounter<long>("gateway.audit.events.skipped", unit: "{event}", description: "Spooled audit events not sent again because the stream already had them (a resend after a timeout, or a restart).");
        _auditFallbacks = _meter.CreateCounter<long>("gateway.audit.durability.fallbacks", unit: "{event}", description: "With Durability=stream: responses that ended once their event was fsynced in the spool, because Redis did not confirm it.");
        _auditHeld = _meter.CreateHistogram<double>("gateway.audit.durability.wait", unit: "ms", description: "With Durability spooled or stream: how long a response's end was held until its event was kept.");
        _upstreamTokenRequests = _meter.CreateCounter<long>("gateway.upstream.token.requests", unit: "{request}", description: "Token requests for the gateway's CRM access token, by trigger (start, missing, expiring, expired, rejected) and outcome (issued, endpoint_failed, invalid).");
        _auditWriteLatency = _meter.CreateHistogram<double>("gateway.audit.write.duration", unit: "ms", description: "Time Redis took to confirm one pipelined batch of events.");
    }

    public void AuditQueued() => _auditQueued.Add(1);

    public void AuditSpooled(int count) => _auditSpooled.Add(count);

    public void AuditWritten(int count, bool late, TimeSpan duration)
    {
        _auditWritten.Add(count);
        if (late)
        {
            _auditReplayed.Add(count);
        }
        _auditWriteLatency.Record(duration.TotalMilliseconds);
    }

    public void AuditDropped() => _auditDropped.Add(1);

    public void AuditSkipped(int count) => _auditSkipped.Add(count);

    public void AuditFellBackToSpool(int count) => _auditFallbacks.Add(count);

    public void AuditResponseHeld(TimeSpan duration) => _auditHeld.Record(duration.TotalMilliseconds);

    /// <summary>Reports the audit backlog whenever metrics are collected.</summary>
    public void ObserveAuditBacklog(Func<int> queueDepth, Func<long> spoolBytes, AuditStreamLag lag)
    {
        _meter.CreateObservableGauge("gateway.audit.stream.lag", () => lag.Events, unit: "{event}", description: "Audit events this process spooled that Redis has not confirmed yet.");
        _meter.CreateObservableGauge("gateway.audit.stream.lag.age", () => lag.OldestAge.TotalSeconds, unit: "s", description: "Age of the oldest spooled audit event Redis has not confirmed (to the second; 0 when none).");
        _meter.CreateObservableGauge("gateway.audit.queue.depth", queueDepth, unit: "{event}", description: "Audit events waiting in memory for the spool writer.");
        _meter.CreateObservableGauge("gateway.audit.spool.size", spoolBytes, unit: "By", description: "Bytes of spooled audit events Redis does not have yet.");
    }

    public void QuotaWithoutRedis(string whenRedisDown) => _quotaWithoutRedis.Add(1, new KeyValuePair<string, object?>("when_redis_down", whenRedisDown));

    /// <summary>One request on the proxy port ended; <paramref name="stage"/> and <paramref name="reason"/> are empty unless refused.</summary>
    public void RequestEnded(string outcome, string? stage, string? reason) =>
        _requests.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("stage", stage ?? ""), new KeyValuePair<string, object?>("reason", reason ?? ""));

    /// <summary>Counts a response's masked values; keys are the masking report's <c>class:action</c>.</summary>
    public void ValuesMasked(IReadOnlyDictionary<string, int> byClassAndAction)
    {
        foreach (var (key, count) in byClassAndAction)
        {
            var colon = key.LastIndexOf(':');
            _maskedValues.Add(count, new KeyValuePair<string, object?>("class", colon < 0 ? key : key[..colon]), new KeyValuePair<string, object?>("action", colon < 0 ? "" : key[(colon + 1)..]));
        }
    }

    public void RulesReloaded(bool accepted) =>
        _rulesReloads.Add(1, new KeyValuePair<string, object?>("outcome", accepted ? "accepted" : "refused"));

    public void ConsentDecided(string purpose, string decision, string reason, int records) =>
        _consentDecisions.Add(records, new KeyValuePair<string, object?>("purpose", purpose), new KeyValuePair<string, object?>("decision", decision), new KeyValuePair<string, object?>("reason", reason));

    public void ConsentLookedUp(string source, int count) => _consentLookups.Add(count, new KeyValuePair<string, object?>("source", source));

    public void ConsentStoreAnswered(TimeSpan duration) => _consentLookupLatency.Record(duration.TotalMilliseconds);

    public void UpstreamTokenRequested(string trigger, string outcome) =>
        _upstreamTokenRequests.Add(1, new KeyValuePair<string, object?>("trigger", trigger), new KeyValuePair<string, object?>("outcome", outcome));

    internal void HeadersDropped(string direction, int count) =>
        _headersDropped.Add(count, new KeyValuePair<string, object?>("direction", direction));

    public void RequestRefused(string stage, string reason) =>
        _refused.Add(1, new KeyValuePair<string, object?>("stage", stage), new KeyValuePair<string, object?>("reason", reason));
}

/// <summary>The <c>direction</c> tag of <c>gateway.headers.dropped</c>.</summary>
internal static class HeaderDirection
{
    public const string Request = "request";
    public const string Response = "response";
    public const string Trailer = "trailer";
}
