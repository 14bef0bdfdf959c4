using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Gateway.Audit;
using Gateway.ControlPlane;
using Gateway.Masking;
using Gateway.Masking.Rules;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Gateway.Detector.Evaluation;

/// <summary>The detector's throughput: end to end through Redis, and the same events read and scored in memory.</summary>
internal sealed record ThroughputReport(int Events, double Seconds, double ParseSeconds, double ScoreSeconds)
{
    public string Format() => string.Create(CultureInfo.InvariantCulture,
        $"{Events:#,0} audit events read, scored and acknowledged in {Seconds:0.00} s: {Events / Seconds:#,0} events/s (in memory, without Redis: parsing {Events / ParseSeconds:#,0} events/s, scoring {Events / ScoreSeconds:#,0} events/s)");
}

/// <summary>The figures of one evaluation run.</summary>
internal sealed record EvaluationReport(
    int Principals,
    int Events,
    IReadOnlyList<(string Kind, int Injected, int Detected, double MedianSecondsToAlert, double MaxSecondsToAlert, double MaxLatencyMilliseconds)> PerKind,
    int FalseAlerts,
    IReadOnlyList<string> FalseAlertReasons,
    double FalseAlertsPer50PrincipalWeeks,
    IReadOnlyList<double> ContainmentMilliseconds,
    double EventsPerSecond,
    IReadOnlyList<string> AllAlerts)
{
    public bool AllDetected => PerKind.All(k => k.Detected == k.Injected);

    public string Format()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Principals} principals, {Events:#,0} audit events ({EventsPerSecond:#,0} events/s through the detector, batches paced by event time)");
        text.AppendLine("incident            injected  detected  first offending event to alert: event time median / max;  stream to alert (wall clock) max");
        foreach (var kind in PerKind)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{kind.Kind,-18}  {kind.Injected,8}  {kind.Detected,8}  {kind.MedianSecondsToAlert,8:0.0} s / {kind.MaxSecondsToAlert:0.0} s;  {kind.MaxLatencyMilliseconds:0} ms");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"false alerts on the clean part: {FalseAlerts} ({FalseAlertsPer50PrincipalWeeks:0.##} per 50 principal-weeks)");
        foreach (var reason in FalseAlertReasons)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {reason}");
        }
        if (ContainmentMilliseconds.Count > 0)
        {
            var sorted = ContainmentMilliseconds.Order().ToList();
            text.AppendLine(CultureInfo.InvariantCulture, $"containment (alert added to every live instance confirmed): {sorted.Count} actions, median {sorted[sorted.Count / 2]:0.0} ms, max {sorted[^1]:0.0} ms");
        }
        return text.ToString();
    }
}

/// <summary>
/// Runs the real detector over a <see cref="Workload"/>: the requests become real audit events
/// (each response masked by the real masker with rules like the demo CRM's, each event chained by
/// the real <see cref="AuditChain"/>) added to a stream in a real Redis, a chunk at a time; the
/// detector's clock follows the events' time, so a week runs in seconds. One stand-in gateway
/// instance reports revocations it applied, as a gateway does, so suspensions are confirmed.
/// </summary>
internal sealed class EvaluationRun(IConnectionMultiplexer redis, string keyPrefix, TimeProvider machineClock)
{
    private const int Chunk = 500;

    public async Task<EvaluationReport> RunAsync(Workload workload, DetectorOptions baseOptions, CancellationToken cancellationToken)
    {
        var stream = $"{keyPrefix}:audit";
        var options = baseOptions;
        options.AuditStream = stream;
        options.AlertsStream = $"{keyPrefix}:alerts";
        options.KeyPrefix = $"{keyPrefix}:detector";
        options.StartFrom = "oldest";
        options.Consumer = "evaluation";
        // Polled briskly: the evaluation waits for each chunk to be read before adding the next.
        options.MinPollInterval = TimeSpan.FromMilliseconds(1);
        options.MaxPollInterval = TimeSpan.FromMilliseconds(5);
        options.Containment.RevocationKeyPrefix = $"{keyPrefix}:revocations";
        options.Containment.QuotaKeyPrefix = $"{keyPrefix}:quota";
        var masterKey = SHA256Of("evaluation-key");
        using var keys = new AuditKeys(masterKey);
        // The worker chains its containment events on its own thread: an AuditKeys serves one thread at a time.
        using var workerKeys = new AuditKeys(masterKey);
        var events = new WorkloadStream(redis, stream, keys);
        var clock = new EventClock(DateTimeOffset.FromUnixTimeMilliseconds(workload.Requests[0].Time));
        var alerts = new ConcurrentBag<(Alert Alert, long AddedAt)>();
        var chunks = new List<(long LastEventTime, long AddedAt)>();
        var containment = new ConcurrentBag<double>();
        await using var instance = await StandInGateway.StartAsync(redis, options.Containment.RevocationKeyPrefix, machineClock);
        await using var worker = new DetectorWorker(redis, options, workerKeys, clock, NullLogger.Instance, machineClock)
        {
            AlertAdded = alert => alerts.Add((alert, machineClock.GetTimestamp())),
            Contained = (_, outcome, elapsed) =>
            {
                if (outcome.Status == "confirmed")
                {
                    containment.Add(elapsed.TotalMilliseconds);
                }
            },
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = Task.Run(() => worker.RunAsync(stop.Token), CancellationToken.None);
        var detectorTime = TimeSpan.Zero;
        for (var offset = 0; offset < workload.Requests.Count; offset += Chunk)
        {
            var batch = workload.Requests.Skip(offset).Take(Chunk).ToList();
            var lines = await events.ChainAsync(workload, batch);
            // Latency is counted from before the chunk's first XADD: an upper bound for each of its events.
            chunks.Add((batch[^1].Time, machineClock.GetTimestamp()));
            await events.AddAsync(lines);
            clock.Now = DateTimeOffset.FromUnixTimeMilliseconds(batch[^1].Time);
            var started = machineClock.GetTimestamp();
            while (worker.Processed < events.Sequence)
            {
                if (running.IsCompleted)
                {
                    await running;
                    throw new InvalidOperationException("The detector stopped before the evaluation ended.");
                }
                await Task.Delay(TimeSpan.FromMilliseconds(1), machineClock, cancellationToken);
            }
            detectorTime += machineClock.GetElapsedTime(started);
        }
        var deadline = machineClock.GetTimestamp();
        while (alerts.Count(a => a.Alert.Plan.Action != "alert") > containment.Count + alerts.Count(a => a.Alert.Plan.Action != "alert" && a.Alert.Plan.Skipped is not null) && machineClock.GetElapsedTime(deadline) < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), machineClock, cancellationToken);
        }
        await stop.CancelAsync();
        await running;
        return Score(workload, [.. alerts], chunks, [.. containment], workload.Requests.Count / Math.Max(detectorTime.TotalSeconds, 1e-6));
    }

    /// <summary>
    /// The detector's throughput: the whole workload is added to the stream first, then one
    /// worker reads, scores and acknowledges all of it; the time is from its start to the last
    /// acknowledgement. Returns events and seconds.
    /// </summary>
    public async Task<ThroughputReport> ThroughputAsync(Workload workload, DetectorOptions options, CancellationToken cancellationToken)
    {
        var stream = $"{keyPrefix}:throughput";
        options.AuditStream = stream;
        options.AlertsStream = $"{keyPrefix}:throughput-alerts";
        options.KeyPrefix = $"{keyPrefix}:throughput-detector";
        options.StartFrom = "oldest";
        options.Consumer = "throughput";
        using var keys = new AuditKeys(SHA256Of("evaluation-key"));
        using var workerKeys = new AuditKeys(SHA256Of("evaluation-key"));
        var events = new WorkloadStream(redis, stream, keys);
        foreach (var batch in workload.Requests.Chunk(Chunk))
        {
            await events.AddAsync(await events.ChainAsync(workload, batch));
        }
        // Its clock stands at the end of the workload: alerts are raised, none is contained (too old).
        var clock = new EventClock(DateTimeOffset.FromUnixTimeMilliseconds(workload.End).AddHours(1));
        await using var worker = new DetectorWorker(redis, options, workerKeys, clock, NullLogger.Instance, machineClock);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = machineClock.GetTimestamp();
        var running = Task.Run(() => worker.RunAsync(stop.Token), CancellationToken.None);
        while (worker.Processed < events.Sequence && !running.IsCompleted)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1), machineClock, cancellationToken);
        }
        var seconds = machineClock.GetElapsedTime(watch).TotalSeconds;
        await stop.CancelAsync();
        await running;

        // The same entries again without Redis: how the time splits between reading the events and scoring them.
        var entries = await redis.GetDatabase().StreamRangeAsync(stream);
        await redis.GetDatabase().KeyDeleteAsync(stream);
        var parsing = machineClock.GetTimestamp();
        var facts = new List<ActivityFact>(entries.Length);
        foreach (var entry in entries)
        {
            if (ActivityFact.TryParse(entry.Id!, (ReadOnlyMemory<byte>)(byte[])entry[AuditRecord.EventField]!) is { } fact)
            {
                facts.Add(fact);
            }
        }
        var parseSeconds = machineClock.GetElapsedTime(parsing).TotalSeconds;
        var engine = new DetectorEngine(options);
        var now = clock.GetUtcNow();
        var scoring = machineClock.GetTimestamp();
        foreach (var fact in facts)
        {
            engine.Evaluate(engine.Observe(fact), now);
        }
        return new ThroughputReport((int)events.Sequence, seconds, parseSeconds, machineClock.GetElapsedTime(scoring).TotalSeconds);
    }

    private EvaluationReport Score(Workload workload, IReadOnlyList<(Alert Alert, long AddedAt)> raised, List<(long LastEventTime, long AddedAt)> chunks, IReadOnlyList<double> containment, double eventsPerSecond)
    {
        var alerts = raised.Select(r => r.Alert).ToList();
        var matched = new HashSet<Alert>(ReferenceEqualityComparer.Instance);
        var perKind = new List<(string, int, int, double, double, double)>();
        foreach (var kind in workload.Incidents.GroupBy(i => i.Kind))
        {
            var delays = new List<double>();
            var latencies = new List<double>();
            foreach (var incident in kind)
            {
                var found = raised.Where(a => a.Alert.Principal == incident.Principal && a.Alert.LastSeen >= incident.Start && a.Alert.LastSeen <= incident.End + 600_000).ToList();
                foreach (var (alert, _) in found)
                {
                    matched.Add(alert);
                }
                if (found.Count > 0)
                {
                    var (first, addedAt) = found.MinBy(a => a.Alert.LastSeen);
                    delays.Add((first.LastSeen - incident.Start) / 1000.0);
                    var chunk = chunks.First(c => c.LastEventTime >= first.LastSeen);
                    latencies.Add(machineClock.GetElapsedTime(chunk.AddedAt, addedAt).TotalMilliseconds);
                }
            }
            delays.Sort();
            perKind.Add((kind.Key, kind.Count(), delays.Count, delays.Count == 0 ? double.NaN : delays[delays.Count / 2], delays.Count == 0 ? double.NaN : delays[^1],
                latencies.Count == 0 ? double.NaN : latencies.Max()));
        }
        var incidentPrincipals = workload.Incidents.Select(i => i.Principal).ToHashSet(StringComparer.Ordinal);
        // The clean part: the evaluated week, outside every incident (an incident's principal may
        // still alert after its incident, on the consequences; those are not counted either way).
        var falseAlerts = alerts.Where(a => !matched.Contains(a) && a.LastSeen >= workload.EvaluatedFrom && !incidentPrincipals.Contains(a.Principal)).ToList();
        return new EvaluationReport(
            workload.Principals.Count,
            workload.Requests.Count,
            perKind,
            falseAlerts.Count,
            [.. falseAlerts.Select(a => $"{a.Principal} at {DateTimeOffset.FromUnixTimeMilliseconds(a.LastSeen):u}: score {a.Score}: {string.Join("; ", a.Signals.Select(s => s.Reason))}")],
            falseAlerts.Count * 50.0 / workload.Principals.Count,
            containment,
            eventsPerSecond,
            [.. alerts.OrderBy(a => a.LastSeen).Select(a => $"{DateTimeOffset.FromUnixTimeMilliseconds(a.LastSeen):u}  {a.Principal}  score {a.Score}  {a.Plan.Action}: {string.Join("; ", a.Signals.Select(s => s.Reason))}")]);
    }

    private static byte[] SHA256Of(string text) => System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text));

    /// <summary>The detector's clock in an evaluation: the time of the events it is reading; timers run on the machine's clock.</summary>
    private sealed class EventClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
