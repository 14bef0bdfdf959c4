using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Gateway.Benchmarks.Load;

/// <summary>The tables of docs/performance.md's load section: medians over the rounds, with the spread of requests/s so the noise shows.</summary>
internal static class LoadReport
{
    /// <summary>A fixed-rate run that served less than this share of the rate measured a lighter load than the others.</summary>
    private const double HeldShare = 0.95;

    public static string Markdown(LoadPlan plan, LoadResults results)
    {
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine(invariant, $"Machine: {Environment.ProcessorCount} cores ({CpuModel()}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}, {NginxVersion()}.");
        text.AppendLine(invariant, $"Plan: {plan.Rounds} round(s), variants interleaved in a different order each round; each process first gets {plan.ProcessWarmup.TotalSeconds:F0} s of traffic and then more until its JIT thread is idle (JIT warm-up: the steady state of a long-running process is measured), each run waits until the process is idle (the audit events of earlier 10 MB responses are still being sent for seconds), then {plan.Warmup.TotalSeconds:F0} s warm-up then {plan.Duration.TotalSeconds:F0} s of wrk (2 threads) at a fixed number of connections; everything (wrk, upstream, proxy, redis-server) shares the machine's cores; {AuditStreamTrimmer.Describe(plan.AuditStreamGrows)}.");
        text.AppendLine();
        text.AppendLine("| variant | body | conns | req/s (median) | req/s (min-max) | p50 ms | p99 ms | CPU s / 1000 req | redis-server CPU s / 1000 req | peak RSS MB |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in Groups(results.Throughput))
        {
            var rps = group.Select(m => m.Client.RequestsPerSecond).ToList();
            text.AppendLine(invariant, $"| {group.Key.Variant} | {group.Key.Body} | {LoadPlan.ConnectionsFor(LoadBodies.All.Single(b => b.Name == group.Key.Body))} | {LoadRun.Median(rps):F0} | {rps.Min():F0}-{rps.Max():F0} | {LoadRun.Median(group.Select(m => m.Client.P50Ms)):F2} | {LoadRun.Median(group.Select(m => m.Client.P99Ms)):F2} | {LoadRun.Median(group.Select(m => m.CpuSecondsPer1000)):F3} | {LoadRun.Median(group.Select(m => m.RedisCpuSecondsPer1000)):F3} | {LoadRun.Mb(group.Max(m => m.PeakRssBytes))} |");
        }
        text.AppendLine();
        text.AppendLine("Ratios of median requests/s:");
        text.AppendLine();
        text.AppendLine("| body | full / bare YARP | full / bare YARP, each round | full / nginx | bare YARP / nginx |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var body in plan.Bodies)
        {
            var full = MedianRps(results, LoadVariants.Full, body);
            var bare = MedianRps(results, LoadVariants.BareYarp, body);
            var nginx = MedianRps(results, LoadVariants.Nginx, body);
            text.AppendLine(invariant, $"| {body.Name} | {Percent(full, bare)} | {RoundRatios(results, body)} | {Percent(full, nginx)} | {Percent(bare, nginx)} |");
        }
        if (results.FixedRate.Count > 0)
        {
            text.AppendLine();
            text.AppendLine(invariant, $"Fixed rate: {results.FixedRate1KbRequestsPerSecond:F0} req/s of 1 KB responses (half of bare YARP's median peak), {FixedRateSchedule.For(results.FixedRate1KbRequestsPerSecond, plan.FixedRateDuration).Describe()}, {plan.FixedRateDuration.TotalSeconds:F0} s per run after {FixedRateSchedule.Unmeasured.TotalSeconds:F0} s unmeasured (the connections' TLS handshakes); percentiles over every request of the measured part, requests/s and CPU over the whole run.");
            text.AppendLine();
            text.AppendLine("| variant | achieved req/s | p50 ms | p99 ms | CPU s / 1000 req | redis-server CPU s / 1000 req |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (var group in Groups(results.FixedRate))
            {
                text.AppendLine(invariant, $"| {group.Key.Variant} | {LoadRun.Median(group.Select(m => m.Client.RequestsPerSecond)):F0} | {LoadRun.Median(group.Select(m => m.Client.P50Ms)):F2} | {LoadRun.Median(group.Select(m => m.Client.P99Ms)):F2} | {LoadRun.Median(group.Select(m => m.CpuSecondsPer1000)):F3} | {LoadRun.Median(group.Select(m => m.RedisCpuSecondsPer1000)):F3} |");
            }
            var fellShort = Groups(results.FixedRate)
                .Where(group => group.Any(m => m.Client.RequestsPerSecond < HeldShare * results.FixedRate1KbRequestsPerSecond))
                .Select(group => group.Key.Variant)
                .ToList();
            if (fellShort.Count > 0)
            {
                text.AppendLine();
                text.AppendLine(invariant, $"Below {HeldShare:P0} of the rate in at least one round, so their percentiles are not at that rate: {string.Join(", ", fellShort)}.");
            }
            var fullP99 = MedianP99(results.FixedRate, LoadVariants.Full);
            var bareP99 = MedianP99(results.FixedRate, LoadVariants.BareYarp);
            if (!double.IsNaN(fullP99 - bareP99))
            {
                text.AppendLine();
                text.AppendLine(invariant, $"Added p99 of the full pipeline over bare YARP: **{fullP99 - bareP99:F2} ms** ({fullP99:F2} - {bareP99:F2}).");
            }
        }
        if (results.Memory.Count > 0)
        {
            text.AppendLine();
            text.AppendLine(invariant, $"Memory with {LoadPlan.MemoryConnections} concurrent 10 MB responses ({plan.MemoryDuration.TotalSeconds:F0} s of wrk at {LoadPlan.MemoryConnections} connections, after a warm-up):");
            text.AppendLine();
            text.AppendLine("| variant | RSS before MB | peak RSS MB | growth MB | responses |");
            text.AppendLine("|---|---:|---:|---:|---:|");
            foreach (var m in results.Memory)
            {
                text.AppendLine(invariant, $"| {m.Variant} | {LoadRun.Mb(m.BaselineRssBytes)} | {LoadRun.Mb(m.PeakRssBytes)} | {LoadRun.Mb(m.GrowthBytes)} | {m.Client.Requests} |");
            }
        }
        if (results.Problems.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Problems:");
            foreach (var problem in results.Problems)
            {
                text.AppendLine(invariant, $"- {problem}");
            }
        }
        return text.ToString();
    }

    public static double MedianRps(LoadResults results, LoadVariant variant, LoadBody body) =>
        LoadRun.Median(results.Throughput.Where(m => m.Variant == variant.Name && m.Body == body.Name).Select(m => m.Client.RequestsPerSecond));

    /// <summary>Full over bare YARP within each round: how far the ratio alone moves with the machine's noise.</summary>
    private static string RoundRatios(LoadResults results, LoadBody body)
    {
        var rounds = results.Throughput.Where(m => m.Body == body.Name).GroupBy(m => m.Round).OrderBy(r => r.Key)
            .Select(r => (Full: r.SingleOrDefault(m => m.Variant == LoadVariants.Full.Name), Bare: r.SingleOrDefault(m => m.Variant == LoadVariants.BareYarp.Name)))
            .Where(r => r.Full is not null && r.Bare is not null)
            .Select(r => (100 * r.Full!.Client.RequestsPerSecond / r.Bare!.Client.RequestsPerSecond).ToString("F0", CultureInfo.InvariantCulture))
            .ToList();
        return rounds.Count == 0 ? "-" : $"{string.Join(", ", rounds)} %";
    }

    private static double MedianP99(List<Measurement> measurements, LoadVariant variant) =>
        LoadRun.Median(measurements.Where(m => m.Variant == variant.Name).Select(m => m.Client.P99Ms));

    /// <summary>Groups in the plan's variant order (not the interleaved run order), then body order.</summary>
    private static IEnumerable<IGrouping<(string Variant, string Body), Measurement>> Groups(List<Measurement> measurements) =>
        measurements.GroupBy(m => (m.Variant, m.Body))
            .OrderBy(g => LoadVariants.All.ToList().FindIndex(v => v.Name == g.Key.Variant))
            .ThenBy(g => LoadBodies.All.ToList().FindIndex(b => b.Name == g.Key.Body));

    private static string Percent(double numerator, double denominator) =>
        double.IsNaN(numerator) || double.IsNaN(denominator) || denominator == 0 ? "-" : (numerator / denominator).ToString("P0", CultureInfo.InvariantCulture);

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
            : "unknown CPU";

    private static string NginxVersion()
    {
        try
        {
            return ToolProcess.RunToEndAsync(NginxVariant.Executable ?? "nginx", ["-v"]).GetAwaiter().GetResult().Trim().Replace("nginx version: ", "", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return "no nginx";
        }
    }
}
