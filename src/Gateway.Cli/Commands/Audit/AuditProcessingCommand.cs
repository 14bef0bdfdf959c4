using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Cli.Errors;
using Gateway.Masking.Rules;

namespace Gateway.Cli.Commands.Audit;

/// <summary>
/// <c>gatewayctl audit processing --from T --to T --rules FILE [--csv|--json]</c>: the record of
/// processing over a period, built by the same library code as the console's
/// (<see cref="ProcessingRecord"/>): who received which classes in clear, for which purpose, how
/// many records and distinct subjects.
/// </summary>
internal static class AuditProcessingCommand
{
    public const string RulesVariable = "Gateway__Masking__RulesPath";

    public static Command Build(TimeProvider time)
    {
        var options = new AuditStreamOptions();
        var from = new Option<string>("--from") { Description = "Start of the period (ISO 8601, e.g. 2026-01-01T00:00:00Z); default: 30 days ago." };
        var to = new Option<string>("--to") { Description = "End of the period (exclusive); default: now." };
        var rulesFile = new Option<string>("--rules")
        {
            Description = $"The rules in force, which say what each role receives in clear (default: ${RulesVariable}).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(RulesVariable) ?? string.Empty,
        };
        var csv = new Option<bool>("--csv") { Description = "CSV (RFC 4180), as the console exports it." };
        var command = new Command("processing", "Print the record of processing for a period: roles and clients x classes received in clear, records, subjects, purpose.") { from, to, rulesFile, csv };
        options.AddTo(command, withKey: false);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var now = time.GetUtcNow();
            if (!TryTime(parse.GetValue(from), now.AddDays(-30), out var start) || !TryTime(parse.GetValue(to), now, out var end) || end <= start)
            {
                throw CliFailure.Usage("--from and --to must be ISO 8601 times, --from before --to", "e.g. --from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z");
            }
            if (parse.GetValue(csv) && parse.GetValue(options.Json))
            {
                throw CliFailure.Usage("--csv and --json were both given", "choose one");
            }
            CompiledRules rules;
            try
            {
                rules = RulesCompiler.Compile(await File.ReadAllTextAsync(parse.GetValue(rulesFile)!, cancellationToken), new byte[32]);
            }
            catch (Exception ex) when (ex is RulesException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw CliFailure.Usage($"the rules cannot be used: {ex.Message}", $"pass a valid rules file with --rules or ${RulesVariable}");
            }
            await using var redis = await RedisOptionsForCli.ConnectAsync(parse.GetValue(options.Redis)!);
            var report = new ProcessingRecord(rules);
            await foreach (var entry in AuditStreamReader.ReadAsync(redis.GetDatabase(), parse.GetValue(options.Stream)!, ProcessingRecord.StreamIdAt(start)).WithCancellation(cancellationToken))
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
            var rows = report.Rows();
            if (parse.GetValue(csv))
            {
                ProcessingRecord.WriteCsv(output, rows);
            }
            else if (parse.GetValue(options.Json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new { from = start, to = end, events = report.Events, rules_version = rules.Version, other_rules_versions = report.OtherRulesVersions, rows },
                    new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            }
            else
            {
                await output.WriteAsync(Text(start, end, report, rows));
            }
            return 0;
        });
        return command;
    }

    private static string Text(DateTimeOffset start, DateTimeOffset end, ProcessingRecord report, IReadOnlyList<ProcessingRow> rows)
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"Record of processing {start:u} to {end:u}: {report.Events} events read.{Environment.NewLine}"));
        foreach (var row in rows)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"  {(row.Roles.Length == 0 ? "(no role)" : row.Roles)}  client {(row.Client.Length == 0 ? "-" : row.Client)}  purpose {(row.Purpose.Length == 0 ? "-" : row.Purpose)}  entity {row.Entity}: {row.Requests} requests, {row.Records} records, {row.Subjects}{(row.SubjectsCapped ? "+" : "")} subjects; in clear: {(row.ClassesInClear.Count == 0 ? "none" : string.Join(", ", row.ClassesInClear))}"));
        }
        if (report.OtherRulesVersions > 0)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{report.OtherRulesVersions} event(s) were masked under other rules versions; classes in clear are read from --rules."));
        }
        return text.ToString();
    }

    private static bool TryTime(string? text, DateTimeOffset fallback, out DateTimeOffset time)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            time = fallback;
            return true;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }
}
