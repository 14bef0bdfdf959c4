using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gateway.Audit;

namespace Gateway.Cli.Commands.Audit;

/// <summary>
/// <c>gatewayctl audit verify [--from ID]</c>: walks the stream and reports every place the hash
/// chain does not hold (exit 1 if any), and every gap in an instance's sequence numbers with its
/// range and why it is there: events removed, numbers a running gateway never wrote, or numbers a
/// crashed process reserved (a break unless its responses waited for their events).
/// </summary>
internal static class AuditVerifyCommand
{
    public const int Broken = 1;

    public static Command Build()
    {
        var options = new AuditStreamOptions();
        var from = new Option<string>("--from") { Description = "Start at this stream entry id (default: the start of the stream).", DefaultValueFactory = _ => "-" };
        var command = new Command("verify", "Check the hash chain of the audit stream; list every edited, missing or moved event and every gap in an instance's sequence; exit 1 on any break.") { from };
        options.AddTo(command, withKey: true);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var keys = options.LoadKeys(parse);
            await using var redis = await RedisOptionsForCli.ConnectAsync(parse.GetValue(options.Redis)!);
            var verifier = new AuditChainVerifier(keys);
            await foreach (var entry in AuditStreamReader.ReadAsync(redis.GetDatabase(), parse.GetValue(options.Stream)!, parse.GetValue(from)!).WithCancellation(cancellationToken))
            {
                using var record = AuditRecord.FromStreamEntry(entry);
                verifier.Check(entry.Id!, record);
            }
            if (parse.GetValue(options.Json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    @checked = verifier.Checked,
                    instances = verifier.Instances.Count,
                    duplicates = verifier.Duplicates,
                    restarts = verifier.Restarts,
                    gaps = verifier.Gaps.Select(g => new { entry_id = g.EntryId, instance = g.Instance, first = g.First, last = g.Last, kind = KindName(g.Kind), previous_durability = g.PreviousDurability, is_break = g.IsBreak }),
                    breaks = verifier.Breaks.Select(b => new { entry_id = b.EntryId, instance = b.Instance, sequence = b.Sequence, problem = b.Problem }),
                }));
            }
            else
            {
                foreach (var problem in verifier.Breaks)
                {
                    await output.WriteLineAsync($"BREAK  entry {problem.EntryId}  instance {problem.Instance ?? "?"}  sequence {problem.Sequence?.ToString(CultureInfo.InvariantCulture) ?? "?"}: {problem.Problem}");
                }
                foreach (var gap in verifier.Gaps.Where(g => !g.IsBreak))
                {
                    await output.WriteLineAsync($"GAP    entry {gap.EntryId}  instance {gap.Instance}: {AuditChainVerifier.Describe(gap)}");
                }
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{verifier.Checked} events from {verifier.Instances.Count} instance(s) checked; {verifier.Duplicates} replayed duplicate(s); {verifier.Breaks.Count} break(s)."));
                if (verifier.Gaps.Count > 0 || verifier.Restarts > 0)
                {
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{verifier.Gaps.Count} gap(s) in sequence numbers ({verifier.Gaps.Count(g => g.IsBreak)} of them breaks); {verifier.Restarts} restart(s) after a crash."));
                }
            }
            return verifier.Breaks.Count == 0 ? 0 : Broken;
        });
        return command;
    }

    private static string KindName(GapKind kind) => kind switch
    {
        GapKind.Missing => "missing",
        GapKind.NotWritten => "not_written",
        _ => "unwritten_at_crash",
    };
}
