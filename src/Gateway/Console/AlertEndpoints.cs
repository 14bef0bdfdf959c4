using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Detector;
using Gateway.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.PrivacyConsole;

/// <summary>
/// The anomaly detector's newest alerts for the SOC view (role <see cref="ConsoleOptions.SocAnalystRole"/>):
/// each finding from the alerts stream with its state (containment outcome, acknowledgement). One
/// XREVRANGE with COUNT and one HGETALL per alert listed, so a request reads at most
/// <see cref="ConsoleOptions.MaxAuditEvents"/> entries whatever the stream's length.
/// </summary>
internal static class AlertEndpoints
{
    private const int DefaultLimit = 100;

    public static void Map(RouteGroupBuilder api) => api.MapGet("/alerts", AlertsAsync);

    private static async Task AlertsAsync(HttpContext context, int? limit)
    {
        if (await ConsoleApi.AuthenticateAsync(context, o => o.SocAnalystRole) is null)
        {
            return;
        }
        var max = context.Options().MaxAuditEvents;
        if (limit is < 1 || limit > max)
        {
            await ConsoleApi.RefuseAsync(context, StatusCodes.Status400BadRequest, "filter_invalid", $"limit takes 1 to {max}.");
            return;
        }
        if (context.RequestServices.GetService<RedisConnection>() is not { } redis)
        {
            await ConsoleApi.RefuseAsync(context, StatusCodes.Status409Conflict, "alerts_disabled", "No Gateway:Redis:Configuration: there is no alerts stream to read.");
            return;
        }
        var detector = context.RequestServices.GetRequiredService<IOptions<DetectorOptions>>().Value;
        List<AlertRow> rows;
        try
        {
            var connection = await redis.GetAsync(context.RequestAborted);
            var store = new AlertStore(connection, detector.AlertsStream, detector.KeyPrefix);
            var entries = await connection.GetDatabase().StreamRangeAsync(store.Stream, "-", "+", count: limit ?? Math.Min(DefaultLimit, max), messageOrder: Order.Descending);
            // HGETALLs are pipelined on the one connection: one round trip for the page, not one per alert.
            var states = await Task.WhenAll(entries.Select(entry => (string?)entry[AlertStore.IdField] is { Length: > 0 } id
                ? store.GetStateAsync(id)
                : Task.FromResult<IReadOnlyDictionary<string, string>?>(null)));
            rows = [.. entries.Select((entry, i) => AlertRow.From(entry, states[i]))];
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            await ConsoleApi.RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "alerts_stream_unavailable", "The alerts stream cannot be read right now.");
            return;
        }
        var note = rows.Count == 0
            ? $"No alerts in {detector.AlertsStream} yet: the anomaly detector (Gateway:Detector:InProcess, or its own worker) adds them there."
            : null;
        await ConsoleApi.WriteAsync(context, new AlertsAnswer(rows, note), AlertsApiJson.Default.AlertsAnswer);
    }
}

/// <summary>
/// One alert as the SOC view lists it. Read from the finding where it says so, else from the
/// state the detector recorded, so that an entry whose JSON is unreadable is still listed.
/// </summary>
/// <param name="Containment">What became of the action: the state's outcome (applied, confirmed, unconfirmed, failed, dry_run…), why it was skipped, "pending" while the detector has not recorded one, null for alert-only.</param>
/// <param name="Finding">The OCSF Detection Finding as the detector wrote it; null when the entry is not valid JSON.</param>
internal sealed record AlertRow(
    string? Id, string EntryId, DateTimeOffset Time, string? Principal, int? Score, IReadOnlyList<string> Reasons,
    string? Action, string? Containment, DateTimeOffset? ContainmentUntil, string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt, string? AcknowledgementNote,
    JsonElement? Finding)
{
    public static AlertRow From(StreamEntry entry, IReadOnlyDictionary<string, string>? state)
    {
        var finding = Parse((string?)entry[AlertStore.AlertField]);
        var root = finding ?? default;
        var unmapped = Member(root, "unmapped");
        var containment = Member(unmapped, "containment");
        var action = Text(containment, "action");
        var entryId = entry.Id.ToString();
        var time = Member(root, "time") is { ValueKind: JsonValueKind.Number } ms && ms.TryGetInt64(out var unixMs)
            ? DateTimeOffset.FromUnixTimeMilliseconds(unixMs)
            : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(entryId.AsSpan(0, entryId.IndexOf('-', StringComparison.Ordinal)), CultureInfo.InvariantCulture));
        var score = Member(unmapped, "score") is { ValueKind: JsonValueKind.Number } s && s.TryGetInt32(out var value) ? value
            : int.TryParse(state?.GetValueOrDefault("score"), CultureInfo.InvariantCulture, out var recorded) ? recorded : (int?)null;
        var reasons = Member(unmapped, "signals") is { ValueKind: JsonValueKind.Array } signals
            ? signals.EnumerateArray().Select(signal => Text(signal, "reason")).OfType<string>().ToList()
            : [];
        return new AlertRow(
            (string?)entry[AlertStore.IdField], entryId, time,
            Text(unmapped, "principal") ?? state?.GetValueOrDefault("principal"), score, reasons,
            action ?? state?.GetValueOrDefault("containment_action"),
            state?.GetValueOrDefault("containment_status") ?? Text(containment, "skipped") ?? (action is null or "alert" ? null : "pending"),
            ParseTime(state?.GetValueOrDefault("containment_until")),
            state?.GetValueOrDefault("acked_by"), ParseTime(state?.GetValueOrDefault("acked_at")), state?.GetValueOrDefault("ack_note"),
            finding);
    }

    private static JsonElement? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;

    private static JsonElement Member(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) ? value : default;

    private static string? Text(JsonElement parent, string name) =>
        Member(parent, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
}

internal sealed record AlertsAnswer(IReadOnlyList<AlertRow> Alerts, string? Note);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AlertsAnswer))]
internal sealed partial class AlertsApiJson : JsonSerializerContext;
