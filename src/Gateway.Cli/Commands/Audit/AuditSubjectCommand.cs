using System.CommandLine;
using System.Text.Json;
using Gateway.Audit;

namespace Gateway.Cli.Commands.Audit;

/// <summary>
/// <c>gatewayctl audit subject ID [--since 30d]</c>: every event that touched one data subject,
/// found by recomputing the subject's keyed hash: who received their data, when, and how masked
/// (the GDPR Article 15 "recipients" answer).
/// </summary>
internal static class AuditSubjectCommand
{
    public static Command Build(TimeProvider time)
    {
        var options = new AuditStreamOptions();
        var subject = new Argument<string>("SUBJECT_ID") { Description = "The data subject's id in the CRM (as the rules' subject selector reads it)." };
        var since = new Option<string>("--since") { Description = "How far back, e.g. 24h, 30d.", DefaultValueFactory = _ => "30d" };
        var command = new Command("subject", "List every access to one data subject's records.") { subject, since };
        options.AddTo(command, withKey: true);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var window = AuditStreamOptions.GetWindow(parse, since);
            var keys = options.LoadKeys(parse);
            await using var redis = await RedisOptionsForCli.ConnectAsync(parse.GetValue(options.Redis)!);
            var pseudonym = keys.Pseudonym(parse.GetValue(subject)!);
            var json = parse.GetValue(options.Json);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var accesses = new List<Access>();
            await foreach (var entry in AuditStreamReader.ReadAsync(redis.GetDatabase(), parse.GetValue(options.Stream)!, AuditStreamOptions.IdSince(time, window)).WithCancellation(cancellationToken))
            {
                using var record = AuditRecord.FromStreamEntry(entry);
                if (record is not null && record.EventId is { } id && seen.Add(id) && Mentions(record.Document.RootElement, pseudonym))
                {
                    accesses.Add(Access.From(record));
                    if (!json)
                    {
                        await output.WriteLineAsync(AuditEventText.Line(record));
                    }
                }
            }
            if (json)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new { subject_hash = pseudonym, accesses }));
            }
            else
            {
                var recipients = accesses.Select(a => a.Actor).OfType<string>().Distinct().Count();
                await output.WriteLineAsync($"{accesses.Count} event(s) about subject hash {pseudonym}, by {recipients} recipient(s), in the last {parse.GetValue(since)}.");
            }
            return 0;
        });
        return command;
    }

    private static bool Mentions(JsonElement root, string pseudonym) =>
        (root.TryGetProperty("resources", out var resources) && resources.ValueKind == JsonValueKind.Array
            && resources.EnumerateArray().Any(r => AuditEventText.Text(r, "uid") == pseudonym))
        || (root.TryGetProperty("unmapped", out var unmapped) && unmapped.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array
            && items.EnumerateArray().Any(i => AuditEventText.Text(i, "value_hash") == pseudonym));

    private sealed record Access(string? Time, string? EventId, string? Actor, string? Client, IReadOnlyList<string> Roles, string? Action, string? Method, string? Path, string? Change)
    {
        public static Access From(AuditRecord record)
        {
            var root = record.Document.RootElement;
            return new Access(
                AuditEventText.Text(root, "time_dt"),
                record.EventId,
                AuditEventText.Text(root, "actor", "user", "uid"),
                AuditEventText.Text(root, "actor", "app_uid"),
                AuditEventText.Roles(root),
                AuditEventText.Text(root, "action"),
                AuditEventText.Text(root, "http_request", "http_method"),
                AuditEventText.Text(root, "http_request", "url", "path"),
                AuditEventText.Text(root, "unmapped", "change"));
        }
    }
}
