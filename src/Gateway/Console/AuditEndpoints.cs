using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Audit;
using Gateway.Masking;
using Gateway.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.PrivacyConsole;

/// <summary>
/// What the console reads from the audit stream: the record of processing over a period (role
/// <see cref="ConsoleOptions.PrivacyOfficerRole"/>), and recent events, the chain's
/// verification (role <see cref="ConsoleOptions.SocAnalystRole"/>; alerts: <see cref="AlertEndpoints"/>). Streams are read
/// a page at a time; nothing read is kept beyond the answer.
/// </summary>
internal static class AuditEndpoints
{
    private const int MaxFilterLength = 256;
    private static readonly string[] Outcomes = ["allowed", "modified", "denied"];

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/processing", ProcessingAsync);
        api.MapGet("/audit", EventsAsync);
        api.MapGet("/audit/verify", VerifyAsync);
    }

    private static async Task ProcessingAsync(HttpContext context, string? from, string? to, string? format)
    {
        if (await ConsoleApi.AuthenticateAsync(context, o => o.PrivacyOfficerRole) is null || await ExportFormat.ReadAsync(context, format) is not { } chosen)
        {
            return;
        }
        if (!TryTime(from, out var start) || !TryTime(to, out var end) || end <= start)
        {
            await ConsoleApi.RefuseAsync(context, StatusCodes.Status400BadRequest, "period_invalid", "from and to must be ISO 8601 times (e.g. 2026-01-01T00:00:00Z), from before to.");
            return;
        }
        if (context.RequestServices.GetService<RulesProvider>() is not { } provider)
        {
            await ConsoleApi.RefuseAsync(context, StatusCodes.Status409Conflict, "masking_disabled", "Masking is switched off: no records are classified, so there is no record of processing.");
            return;
        }
        if (await StreamAsync(context) is not { } stream)
        {
            return;
        }
        var report = new ProcessingRecord(provider.Current, context.Options().MaxSubjectsPerRow);
        try
        {
            await foreach (var entry in AuditStreamReader.ReadAsync(stream.Database, stream.Name, ProcessingRecord.StreamIdAt(start)).WithCancellation(context.RequestAborted))
            {
                if (ProcessingRecord.StreamTime(entry.Id!) >= end)
                {
                    break;
                }
                using var record = AuditRecord.FromStreamEntry(entry);
                if (record is not null)
                {
                    report.Add(record);
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            await Unavailable(context);
            return;
        }
        var rows = report.Rows();
        if (chosen == ExportFormat.Csv)
        {
            ExportFormat.Attachment(context, $"record-of-processing-{start:yyyyMMdd}-{end:yyyyMMdd}.csv");
            var csv = new StringWriter(CultureInfo.InvariantCulture);
            ProcessingRecord.WriteCsv(csv, rows);
            await context.Response.WriteAsync(csv.ToString(), Encoding.UTF8, context.RequestAborted);
            return;
        }
        List<string> notes = ["Classes in clear are read from the rules in force; grouping is by when events reached the stream."];
        if (report.OtherRulesVersions > 0)
        {
            notes.Add($"{report.OtherRulesVersions} event(s) were masked under other rules versions.");
        }
        await ConsoleApi.WriteAsync(context, new ProcessingAnswer(start, end, report.Events, provider.Current.Version, rows, notes), AuditApiJson.Default.ProcessingAnswer);
    }

    private static async Task EventsAsync(HttpContext context, string? principal, string? subject, string? outcome, int? limit)
    {
        if (await ConsoleApi.AuthenticateAsync(context, o => o.SocAnalystRole) is null)
        {
            return;
        }
        var options = context.Options();
        if (principal?.Length > MaxFilterLength || subject?.Length > MaxFilterLength || (outcome is not null && !Outcomes.Contains(outcome)) || limit is < 1 || limit > options.MaxAuditEvents)
        {
            await ConsoleApi.RefuseAsync(context, StatusCodes.Status400BadRequest, "filter_invalid",
                $"principal and subject take at most {MaxFilterLength} characters, outcome one of {string.Join(", ", Outcomes)}, limit 1 to {options.MaxAuditEvents}.");
            return;
        }
        if (await StreamAsync(context) is not { } stream)
        {
            return;
        }
        var wanted = limit ?? 100;
        var events = new List<AuditEventRow>(wanted);
        var scanned = 0;
        var next = (RedisValue)"+";
        try
        {
            while (events.Count < wanted && scanned < options.MaxAuditScan)
            {
                var page = await stream.Database.StreamRangeAsync(stream.Name, "-", next, count: 500, messageOrder: Order.Descending);
                foreach (var entry in page)
                {
                    scanned++;
                    using var record = AuditRecord.FromStreamEntry(entry);
                    if (record is not null && AuditEventRow.From(record) is { } row && row.Matches(principal, subject, outcome))
                    {
                        events.Add(row);
                        if (events.Count == wanted)
                        {
                            break;
                        }
                    }
                }
                if (page.Length < 500)
                {
                    break;
                }
                next = $"({page[^1].Id}";
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            await Unavailable(context);
            return;
        }
        await ConsoleApi.WriteAsync(context, new EventsAnswer(events, scanned), AuditApiJson.Default.EventsAnswer);
    }

    private static async Task VerifyAsync(HttpContext context)
    {
        if (await ConsoleApi.AuthenticateAsync(context, o => o.SocAnalystRole) is null || await StreamAsync(context) is not { } stream)
        {
            return;
        }
        var keyFile = context.RequestServices.GetRequiredService<IOptions<AuditOptions>>().Value.KeyFile!;
        using var keys = AuditKeys.FromFile(keyFile);
        var verifier = new AuditChainVerifier(keys);
        var window = context.Options().MaxVerifyEvents;
        try
        {
            var from = await WindowStartAsync(stream, window);
            await foreach (var entry in AuditStreamReader.ReadAsync(stream.Database, stream.Name, from).WithCancellation(context.RequestAborted))
            {
                using var record = AuditRecord.FromStreamEntry(entry);
                verifier.Check(entry.Id!, record);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            await Unavailable(context);
            return;
        }
        var problems = verifier.Breaks.Select(b => $"entry {b.EntryId}: {b.Problem}")
            .Concat(verifier.Gaps.Where(g => g.IsBreak).Select(g => $"entry {g.EntryId}: {AuditChainVerifier.Describe(g)}")).ToList();
        await ConsoleApi.WriteAsync(context, new VerifyAnswer(problems.Count == 0, verifier.Checked, verifier.Instances.Count, verifier.Duplicates, verifier.Gaps.Count, window, problems), AuditApiJson.Default.VerifyAnswer);
    }

    /// <summary>The id of the <paramref name="window"/>-th newest entry ("-" when the stream is shorter), found a page at a time so memory stays bounded.</summary>
    private static async Task<string> WindowStartAsync(AuditStream stream, int window)
    {
        const int PageSize = 1000;
        var counted = 0;
        var next = (RedisValue)"+";
        var start = "-";
        while (counted < window)
        {
            var wanted = Math.Min(PageSize, window - counted);
            var page = await stream.Database.StreamRangeAsync(stream.Name, "-", next, count: wanted, messageOrder: Order.Descending);
            if (page.Length < wanted)
            {
                // The whole stream fits in the window.
                return "-";
            }
            counted += page.Length;
            start = page[^1].Id.ToString();
            next = $"({start}";
        }
        return start;
    }

    private static async Task<AuditStream?> StreamAsync(HttpContext context)
    {
        var audit = context.RequestServices.GetRequiredService<IOptions<AuditOptions>>().Value;
        if (context.RequestServices.GetService<RedisConnection>() is not { } redis || !AuditRegistration.Enabled(context.RequestServices.GetRequiredService<IConfiguration>()))
        {
            await ConsoleApi.RefuseAsync(context, StatusCodes.Status409Conflict, "audit_disabled", "Auditing is off (no Gateway:Redis:Configuration, or Gateway:Audit:Enabled=false): there is no audit stream to read.");
            return null;
        }
        try
        {
            return new AuditStream((await redis.GetAsync()).GetDatabase(), audit.Stream);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            await Unavailable(context);
            return null;
        }
    }

    private static Task Unavailable(HttpContext context) =>
        ConsoleApi.RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "audit_stream_unavailable", "The audit stream cannot be read right now.");

    private static bool TryTime(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    private sealed record AuditStream(IDatabase Database, string Name);
}

/// <summary>One audit event as the SOC view lists it: who, what, the outcome, and the subjects as keyed hashes only.</summary>
internal sealed record AuditEventRow(
    string? Id, DateTimeOffset? Time, string? Principal, string? Client, IReadOnlyList<string> Roles, string? Method, string? Path, int? Status,
    string Outcome, string? DeniedBy, string? Reason, string? Purpose, string? Entity, long? Records, IReadOnlyList<string> Subjects, string Kind)
{
    public static AuditEventRow? From(AuditRecord record)
    {
        var root = record.Document.RootElement;
        var actor = Member(root, "actor");
        var user = Member(actor, "user");
        var unmapped = Member(root, "unmapped");
        var masking = Member(unmapped, "masking");
        var request = Member(root, "http_request");
        var subjects = Member(root, "resources") is { ValueKind: JsonValueKind.Array } resources
            ? resources.EnumerateArray().Select(r => Text(r, "uid")).OfType<string>().ToList()
            : [];
        var roles = Member(user, "groups") is { ValueKind: JsonValueKind.Array } groups
            ? groups.EnumerateArray().Select(g => Text(g, "name")).OfType<string>().ToList()
            : [];
        return new AuditEventRow(
            record.EventId, record.Time, Text(user, "uid"), Text(actor, "app_uid"), roles,
            Text(request, "http_method"), Text(Member(request, "url"), "path"),
            Member(Member(root, "http_response"), "code") is { ValueKind: JsonValueKind.Number } code ? code.GetInt32() : null,
            (Text(root, "action") ?? "allowed").ToLowerInvariant(), Text(unmapped, "denied_by"), Text(root, "status_detail"),
            Text(Member(unmapped, "purpose"), "name"), Text(masking, "entity"),
            Member(masking, "records") is { ValueKind: JsonValueKind.Number } records ? records.GetInt64() : null,
            subjects, Text(root, "class_name") ?? "");
    }

    public bool Matches(string? principal, string? subject, string? outcome) =>
        (string.IsNullOrEmpty(principal) || principal == Principal || principal == Client)
        && (string.IsNullOrEmpty(subject) || Subjects.Contains(subject, StringComparer.OrdinalIgnoreCase))
        && (string.IsNullOrEmpty(outcome) || outcome == Outcome);

    private static JsonElement Member(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) ? value : default;

    private static string? Text(JsonElement parent, string name) =>
        Member(parent, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
}

internal sealed record ProcessingAnswer(DateTimeOffset From, DateTimeOffset To, long Events, string RulesVersion, IReadOnlyList<ProcessingRow> Rows, IReadOnlyList<string> Notes);

internal sealed record EventsAnswer(IReadOnlyList<AuditEventRow> Events, int Scanned);

internal sealed record VerifyAnswer(bool Intact, long Checked, int Instances, long Duplicates, int Gaps, int Window, IReadOnlyList<string> Problems);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ProcessingAnswer))]
[JsonSerializable(typeof(EventsAnswer))]
[JsonSerializable(typeof(VerifyAnswer))]
internal sealed partial class AuditApiJson : JsonSerializerContext;
