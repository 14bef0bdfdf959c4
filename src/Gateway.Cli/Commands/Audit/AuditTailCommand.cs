using System.CommandLine;
using Gateway.Audit;
using Gateway.Cli.Errors;
using StackExchange.Redis;

namespace Gateway.Cli.Commands.Audit;

/// <summary>
/// <c>gatewayctl audit tail [--group G --consumer C]</c>: prints events as they arrive. With a
/// consumer group it resumes where the consumer left off: the group is created idempotently, the
/// consumer's own unacknowledged entries come first, stale entries of dead consumers are claimed,
/// and each entry is acknowledged only after it was printed. Polls with back-off, never blocks
/// the connection. An event id seen again among the last <see cref="RememberedIds"/> (a replayed
/// duplicate in a stream written before the gateway stopped sending them) is not printed again,
/// nor counted towards <c>--max-count</c>; within a group it is still acknowledged.
/// </summary>
internal static class AuditTailCommand
{
    private const int Batch = 100;
    private const int RememberedIds = 100_000;
    private static readonly TimeSpan MaxIdleDelay = TimeSpan.FromSeconds(1);

    public static Command Build(TimeProvider time)
    {
        var options = new AuditStreamOptions();
        var group = new Option<string?>("--group") { Description = "Consumer group: resume where this group left off, acknowledging what is printed." };
        var consumer = new Option<string>("--consumer") { Description = "This reader's name within --group.", DefaultValueFactory = _ => Environment.MachineName };
        var claimIdle = new Option<string>("--claim-idle") { Description = "Claim entries another consumer of the group left unacknowledged this long (e.g. 60s).", DefaultValueFactory = _ => "60s" };
        var from = new Option<string>("--from") { Description = "Without --group: start after this entry id (default: only new events; 0 for the whole stream).", DefaultValueFactory = _ => "$" };
        var max = new Option<int?>("--max-count") { Description = "Stop after printing this many events (default: follow until interrupted)." };
        var command = new Command("tail", "Follow the audit stream, optionally through a consumer group.") { group, consumer, claimIdle, from, max };
        options.AddTo(command, withKey: false);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Durations.TryParse(parse.GetValue(claimIdle), out var idle))
            {
                throw CliFailure.Usage($"--claim-idle '{parse.GetValue(claimIdle)}' is not a duration", "give one such as 30s or 5m");
            }
            await using var redis = await RedisOptionsForCli.ConnectAsync(parse.GetValue(options.Redis)!);
            var printer = new Printer(parse.InvocationConfiguration.Output, parse.GetValue(options.Json), parse.GetValue(max));
            var database = redis.GetDatabase();
            var stream = parse.GetValue(options.Stream)!;
            try
            {
                if (parse.GetValue(group) is { Length: > 0 } groupName)
                {
                    await FollowGroupAsync(database, stream, groupName, parse.GetValue(consumer)!, idle, printer, time, cancellationToken);
                }
                else
                {
                    await FollowAsync(database, stream, parse.GetValue(from)!, printer, time, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            return 0;
        });
        return command;
    }

    private static async Task FollowAsync(IDatabase database, string stream, string from, Printer printer, TimeProvider time, CancellationToken cancellationToken)
    {
        var last = from == "$" ? (await database.StreamRangeAsync(stream, "-", "+", 1, Order.Descending)).FirstOrDefault().Id : (RedisValue)from;
        var position = last.IsNull ? (RedisValue)"0-0" : last;
        var idle = 0;
        while (!printer.Done)
        {
            var entries = await database.StreamRangeAsync(stream, $"({position}", "+", Batch);
            foreach (var entry in entries)
            {
                await printer.PrintAsync(entry);
                position = entry.Id;
                if (printer.Done)
                {
                    return;
                }
            }
            idle = await BackOffWhenEmptyAsync(entries.Length, idle, time, cancellationToken);
        }
    }

    private static async Task FollowGroupAsync(IDatabase database, string stream, string group, string consumer, TimeSpan claimIdle, Printer printer, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await database.StreamCreateConsumerGroupAsync(stream, group, "0", createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // The group exists already: resuming it is the point.
        }
        var ownPending = await database.StreamReadGroupAsync(stream, group, consumer, "0", Batch);
        if (!await PrintAndAcknowledgeAsync(database, stream, group, ownPending, printer))
        {
            return;
        }
        var idle = 0;
        while (!printer.Done)
        {
            var claimed = await database.StreamAutoClaimAsync(stream, group, consumer, (long)claimIdle.TotalMilliseconds, "0-0", Batch);
            if (!await PrintAndAcknowledgeAsync(database, stream, group, claimed.ClaimedEntries, printer))
            {
                return;
            }
            var entries = await database.StreamReadGroupAsync(stream, group, consumer, ">", Batch);
            if (!await PrintAndAcknowledgeAsync(database, stream, group, entries, printer))
            {
                return;
            }
            idle = await BackOffWhenEmptyAsync(entries.Length + claimed.ClaimedEntries.Length, idle, time, cancellationToken);
        }
    }

    /// <returns>False once the printer has printed all it was asked for.</returns>
    private static async Task<bool> PrintAndAcknowledgeAsync(IDatabase database, string stream, string group, StreamEntry[] entries, Printer printer)
    {
        foreach (var entry in entries.Where(e => !e.IsNull))
        {
            if (printer.Done)
            {
                return false;
            }
            await printer.PrintAsync(entry);
            await database.StreamAcknowledgeAsync(stream, group, entry.Id);
        }
        return !printer.Done;
    }

    private static async Task<int> BackOffWhenEmptyAsync(int received, int idle, TimeProvider time, CancellationToken cancellationToken)
    {
        if (received > 0)
        {
            return 0;
        }
        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(MaxIdleDelay.TotalMilliseconds, 50 * Math.Pow(2, idle))), time, cancellationToken);
        return Math.Min(idle + 1, 10);
    }

    private sealed class Printer(TextWriter output, bool json, int? max)
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private readonly Queue<string> _seenOrder = new();
        private int _printed;

        public bool Done => max is { } limit && _printed >= limit;

        public async Task PrintAsync(StreamEntry entry)
        {
            using var record = AuditRecord.FromStreamEntry(entry);
            if (record?.EventId is { } id && !Remember(id))
            {
                return;
            }
            await output.WriteLineAsync(record is null ? $"{entry.Id}  (not an audit event)" : json ? record.JsonText : AuditEventText.Line(record));
            _printed++;
        }

        /// <returns>False when the id was seen before.</returns>
        private bool Remember(string id)
        {
            if (!_seen.Add(id))
            {
                return false;
            }
            _seenOrder.Enqueue(id);
            if (_seenOrder.Count > RememberedIds)
            {
                _seen.Remove(_seenOrder.Dequeue());
            }
            return true;
        }
    }
}
