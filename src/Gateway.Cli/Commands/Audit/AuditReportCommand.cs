using System.CommandLine;
using System.Text.Json;
using Gateway.Audit;

namespace Gateway.Cli.Commands.Audit;

/// <summary>
/// <c>gatewayctl audit report --since 24h</c>: accesses by role and entity, masked fields by class
/// and action, denials by stage and reason, consent refusals, and changes. Replayed duplicates
/// count once.
/// </summary>
internal static class AuditReportCommand
{
    public static Command Build(TimeProvider time)
    {
        var options = new AuditStreamOptions();
        var since = new Option<string>("--since") { Description = "How far back, e.g. 24h, 7d.", DefaultValueFactory = _ => "24h" };
        var command = new Command("report", "Summarise accesses, masking, denials and consent refusals.") { since };
        options.AddTo(command, withKey: false);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var window = AuditStreamOptions.GetWindow(parse, since);
            await using var redis = await RedisOptionsForCli.ConnectAsync(parse.GetValue(options.Redis)!);
            var report = new AuditReport();
            await foreach (var entry in AuditStreamReader.ReadAsync(redis.GetDatabase(), parse.GetValue(options.Stream)!, AuditStreamOptions.IdSince(time, window)).WithCancellation(cancellationToken))
            {
                using var record = AuditRecord.FromStreamEntry(entry);
                if (record is not null)
                {
                    report.Add(record);
                }
            }
            await output.WriteAsync(parse.GetValue(options.Json) ? JsonSerializer.Serialize(report.ToJson()) + Environment.NewLine : report.ToText(parse.GetValue(since)!));
            return 0;
        });
        return command;
    }
}
