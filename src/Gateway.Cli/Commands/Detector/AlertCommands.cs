using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gateway.Cli.Errors;
using Gateway.Detector;
using StackExchange.Redis;

namespace Gateway.Cli.Commands.Detector;

/// <summary>
/// <c>gatewayctl alerts tail|show|ack</c>: the detector's alerts (OCSF Detection Findings on the
/// alerts stream) with what happened since (containment, acknowledgement), from each alert's state.
/// Exit codes (<see cref="ExitCodes"/>): 0 fine, 1 no such alert or Redis failed, 2 usage.
/// </summary>
internal static class AlertCommands
{
    public const int NotFound = ExitCodes.Failed;
    public const int Usage = ExitCodes.Usage;
    private const int Batch = 100;
    private static readonly TimeSpan MaxIdleDelay = TimeSpan.FromSeconds(1);

    public static Command Build(TimeProvider time)
    {
        var command = new Command("alerts", "Read and acknowledge the anomaly detector's alerts.");
        command.Subcommands.Add(Tail(time));
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Ack(time));
        return command;
    }

    private static Command Tail(TimeProvider time)
    {
        var options = new AlertOptions();
        var from = new Option<string>("--from") { Description = "Start after this entry id (default: only new alerts; 0 for all).", DefaultValueFactory = _ => "$" };
        var max = new Option<int?>("--max-count") { Description = "Stop after this many alerts (default: follow until interrupted)." };
        var command = new Command("tail", "Follow the alerts stream.") { from, max };
        options.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var redis = await RedisOptionsForCli.ConnectAsync(parse.GetValue(options.Redis)!);
            var store = options.Store(parse, redis);
            var output = parse.InvocationConfiguration.Output;
            var limit = parse.GetValue(max);
            var printed = 0;
            var start = parse.GetValue(from)!;
            try
            {
                var position = start == "$"
                    ? (await redis.GetDatabase().StreamRangeAsync(store.Stream, "-", "+", 1, Order.Descending)).FirstOrDefault().Id.ToString() is { Length: > 0 } last ? last : "0"
                    : start;
                var idle = 0;
                while (limit is null || printed < limit)
                {
                    var entries = await store.ReadAsync(position, Batch);
                    foreach (var entry in entries)
                    {
                        position = entry.Id!;
                        var id = (string?)entry[AlertStore.IdField] ?? "";
                        var state = await store.GetStateAsync(id);
                        await output.WriteLineAsync(parse.GetValue(options.Json)
                            ? Combined((string?)entry[AlertStore.AlertField], state)
                            : Line((string?)entry[AlertStore.AlertField], state));
                        if (limit is { } l && ++printed >= l)
                        {
                            return 0;
                        }
                    }
                    if (entries.Length == 0)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(MaxIdleDelay.TotalMilliseconds, 50 * Math.Pow(2, idle))), time, cancellationToken);
                        idle = Math.Min(idle + 1, 10);
                    }
                    else
                    {
                        idle = 0;
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var options = new AlertOptions();
        var id = new Argument<string>("id") { Description = "The alert's id (finding_info.uid)." };
        var command = new Command("show", "Show one alert: its reasons, evidence and what was done about it.") { id };
        options.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            await using var redis = await RedisOptionsForCli.ConnectAsync(parse.GetValue(options.Redis)!);
            var store = options.Store(parse, redis);
            var alertId = parse.GetValue(id)!;
            var state = await store.GetStateAsync(alertId);
            if (state is null || !state.TryGetValue("entry", out var entry) || entry.Length == 0)
            {
                await error.WriteLineAsync($"No alert '{alertId}' (or its state expired after {AlertStore.StateLifetime.TotalDays:0} days).");
                return NotFound;
            }
            var json = await store.GetAlertAsync(entry);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(options.Json))
            {
                await output.WriteLineAsync(Combined(json, state));
                return 0;
            }
            await output.WriteLineAsync(Details(json, state));
            return 0;
        });
        return command;
    }

    private static Command Ack(TimeProvider time)
    {
        var options = new AlertOptions();
        var id = new Argument<string>("id") { Description = "The alert's id (finding_info.uid)." };
        var note = new Option<string?>("--note") { Description = "What was found or done, for the record." };
        var by = new Option<string>("--by") { Description = "Who acknowledges (default: $USER).", DefaultValueFactory = _ => Environment.UserName };
        var command = new Command("ack", "Acknowledge an alert: recorded on its state, shown by tail and show.") { id, note, by };
        options.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            await using var redis = await RedisOptionsForCli.ConnectAsync(parse.GetValue(options.Redis)!);
            var store = options.Store(parse, redis);
            var alertId = parse.GetValue(id)!;
            if (await store.GetStateAsync(alertId) is not { } state || !state.ContainsKey("entry"))
            {
                await error.WriteLineAsync($"No alert '{alertId}' (or its state expired after {AlertStore.StateLifetime.TotalDays:0} days).");
                return NotFound;
            }
            var fields = new Dictionary<string, string>
            {
                ["acked_by"] = parse.GetValue(by)!,
                ["acked_at"] = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
            };
            if (parse.GetValue(note) is { Length: > 0 } text)
            {
                fields["ack_note"] = text;
            }
            await store.SetStateAsync(alertId, fields);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"Acknowledged alert {alertId}.");
            return 0;
        });
        return command;
    }

    /// <summary>One line per alert: time, id, score, principal, action and its outcome, acknowledgement, the reasons.</summary>
    internal static string Line(string? json, IReadOnlyDictionary<string, string>? state)
    {
        if (json is null)
        {
            return "(not an alert)";
        }
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var unmapped = root.GetProperty("unmapped");
        var time = DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("time").GetInt64());
        var action = unmapped.GetProperty("containment").GetProperty("action").GetString();
        var outcome = state?.GetValueOrDefault("containment_status")
            ?? (unmapped.GetProperty("containment").TryGetProperty("skipped", out var skipped) ? skipped.GetString() : action == "alert" ? null : "pending");
        var ack = state?.GetValueOrDefault("acked_by") is { } who ? $" ACKED by {who}" : "";
        return $"{time:u}  {root.GetProperty("finding_info").GetProperty("uid").GetString()}  score {unmapped.GetProperty("score").GetInt32(),3}  "
            + $"{unmapped.GetProperty("principal").GetString()}  {action}{(outcome is null ? "" : $" ({outcome})")}{ack}  {root.GetProperty("finding_info").GetProperty("desc").GetString()}";
    }

    private static string Details(string? json, IReadOnlyDictionary<string, string> state)
    {
        var lines = new List<string>();
        if (json is null)
        {
            lines.Add("The alert's stream entry is gone (trimmed); its state:");
        }
        else
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var info = root.GetProperty("finding_info");
            var unmapped = root.GetProperty("unmapped");
            lines.Add($"alert      {info.GetProperty("uid").GetString()}  ({root.GetProperty("severity").GetString()}, score {unmapped.GetProperty("score").GetInt32()}/100)");
            lines.Add($"principal  {unmapped.GetProperty("principal").GetString()}{(root.GetProperty("actor").GetProperty("user").TryGetProperty("groups", out var groups) ? $" ({groups[0].GetProperty("name").GetString()})" : "")}");
            lines.Add($"raised     {DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("time").GetInt64()):u}; events from {DateTimeOffset.FromUnixTimeMilliseconds(info.GetProperty("first_seen_time").GetInt64()):u} to {DateTimeOffset.FromUnixTimeMilliseconds(info.GetProperty("last_seen_time").GetInt64()):u}");
            lines.Add("reasons");
            foreach (var signal in unmapped.GetProperty("signals").EnumerateArray())
            {
                lines.Add($"  {signal.GetProperty("score").GetInt32(),3}  {signal.GetProperty("name").GetString()}: {signal.GetProperty("reason").GetString()}");
            }
            var evidence = info.GetProperty("related_events").EnumerateArray().Select(e => e.GetProperty("uid").GetString()).ToList();
            lines.Add($"evidence   {unmapped.GetProperty("evidence_count").GetInt64()} requests in the last hour; latest audit events: {string.Join(' ', evidence.Take(10))}{(evidence.Count > 10 ? $" (+{evidence.Count - 10} more with --json)" : "")}");
            var containment = unmapped.GetProperty("containment");
            lines.Add($"policy     {containment.GetProperty("action").GetString()}{(containment.TryGetProperty("skipped", out var skipped) ? $" (not done: {skipped.GetString()})" : "")}");
        }
        if (state.TryGetValue("containment_status", out var status))
        {
            lines.Add($"contained  {state.GetValueOrDefault("containment_action")}: {status}{(state.TryGetValue("containment_until", out var until) ? $" until {until}" : "")}, {state.GetValueOrDefault("containment_ms")} ms after the alert"
                + (state.TryGetValue("containment_confirmed_instances", out var confirmed) ? $", {confirmed} gateway instances confirmed" : ""));
        }
        lines.Add(state.TryGetValue("acked_by", out var by)
            ? $"acked      by {by} at {state.GetValueOrDefault("acked_at")}{(state.TryGetValue("ack_note", out var note) ? $": {note}" : "")}"
            : "acked      no");
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>The alert's JSON with its state under <c>state</c>.</summary>
    private static string Combined(string? json, IReadOnlyDictionary<string, string>? state)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("alert");
            if (json is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                using var document = JsonDocument.Parse(json);
                document.RootElement.WriteTo(writer);
            }
            writer.WriteStartObject("state");
            foreach (var (name, value) in (state ?? new Dictionary<string, string>()).OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                writer.WriteString(name, value);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary><c>--redis</c>, <c>--alerts-stream</c>, <c>--prefix</c>, <c>--json</c>.</summary>
    private sealed class AlertOptions
    {
        public Option<string> Redis { get; } = RedisOptionsForCli.Create();

        public Option<string> Stream { get; } = new("--alerts-stream")
        {
            Description = "The alerts stream (Gateway:Detector:AlertsStream; default: $Gateway__Detector__AlertsStream, else gateway:alerts).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Gateway__Detector__AlertsStream") is { Length: > 0 } s ? s : "gateway:alerts",
        };

        public Option<string> Prefix { get; } = new("--prefix")
        {
            Description = "The detector's key prefix (Gateway:Detector:KeyPrefix; default: $Gateway__Detector__KeyPrefix, else gateway:detector).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Gateway__Detector__KeyPrefix") is { Length: > 0 } p ? p : "gateway:detector",
        };

        public Option<bool> Json { get; } = new("--json") { Description = "Machine-readable output: the alert's JSON with its state." };

        public void AddTo(Command command)
        {
            command.Options.Add(Redis);
            command.Options.Add(Stream);
            command.Options.Add(Prefix);
            command.Options.Add(Json);
        }

        public AlertStore Store(ParseResult parse, IConnectionMultiplexer redis) => new(redis, parse.GetValue(Stream)!, parse.GetValue(Prefix)!);
    }
}
