using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Gateway.Benchmarks.Load;

/// <summary>
/// The run's report: per body, each variant against the baseline within each round (a ratio or a
/// difference per round, then the median over the rounds, so the machine's drift between rounds
/// cancels out); then latency at a fixed rate; then memory.
/// </summary>
internal static class LoadReport
{
    /// <summary>A fixed-rate run that served less than this share of the rate measured a lighter load than the others.</summary>
    private const double HeldShare = 0.95;

    public static string Markdown(LoadPlan plan, LoadResults results)
    {
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        var baseline = plan.Baseline.Name;
        text.AppendLine(invariant, $"Machine: {Environment.ProcessorCount} cores ({CpuModel()}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}.");
        text.AppendLine(invariant, $"Method: all {plan.Variants.Count} variants running at once against one upstream and one redis-server (its audit stream kept at its last {AuditStreamTrimmer.Kept.TotalSeconds:F0} s of events, as under a gateway older than its retention); {plan.Rounds} round(s), each variant loaded in turn, in a different order each round, for {plan.Warmup.TotalSeconds:F0} s unmeasured then {plan.Slice.TotalSeconds:F0} s measured; everything shares the machine's cores. \"against {baseline}\": the variant's figure over or minus {baseline}'s in the same round, median over the rounds. CPU is the measured process's; redis-server's over the same slice is its own column.");
        foreach (var body in plan.ThroughputBodies)
        {
            text.AppendLine();
            text.AppendLine(invariant, $"{body.Name} responses at full speed (wrk, {LoadPlan.ConnectionsFor(body)} connections):");
            text.AppendLine();
            text.AppendLine(invariant, $"| variant | req/s | against {baseline} | range over the rounds | CPU µs / req | against {baseline} | redis-server µs / req |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            var measured = results.Throughput.Where(m => m.Body == body.Name).ToList();
            foreach (var variant in plan.Variants)
            {
                var ratios = PerRound(measured, variant.Name, baseline, (v, b) => v.Client.RequestsPerSecond / b.Client.RequestsPerSecond);
                var own = measured.Where(m => m.Variant == variant.Name).ToList();
                text.AppendLine(invariant, $"| {variant.Name} | {Median(own, m => m.Client.RequestsPerSecond):F0} | {Percent(LoadRun.Median(ratios), "0.0")} | {(ratios.Count == 0 ? "-" : $"{Percent(ratios.Min(), "0")}-{Percent(ratios.Max(), "0")}")} | {Median(own, Cpu):F1} | {Signed(LoadRun.Median(PerRound(measured, variant.Name, baseline, (v, b) => Cpu(v) - Cpu(b))), "0.0")} | {Median(own, Redis):F1} |");
            }
        }
        if (results.FixedRate.Count > 0)
        {
            var rate = results.FixedRateRequestsPerSecond;
            text.AppendLine();
            text.AppendLine(invariant, $"1 KB responses at a fixed rate, half of {baseline}'s peak above ({FixedRateSchedule.For(rate, plan.Slice).Describe()}; the first {FixedRateSchedule.Unmeasured.TotalSeconds:F0} s, the connections' TLS handshakes, not measured):");
            text.AppendLine();
            text.AppendLine(invariant, $"| variant | req/s | p50 ms | p99 ms | p99 against {baseline}, ms | lower than {baseline}'s in | CPU µs / req | against {baseline} |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var variant in plan.Variants)
            {
                var own = results.FixedRate.Where(m => m.Variant == variant.Name).ToList();
                var p99 = PerRound(results.FixedRate, variant.Name, baseline, (v, b) => v.Client.P99Ms - b.Client.P99Ms);
                text.AppendLine(invariant, $"| {variant.Name} | {Median(own, m => m.Client.RequestsPerSecond):F0} | {Median(own, m => m.Client.P50Ms):F2} | {Median(own, m => m.Client.P99Ms):F2} | {Signed(LoadRun.Median(p99), "0.00")} | {p99.Count(d => d < 0)} of {p99.Count} | {Median(own, Cpu):F1} | {Signed(LoadRun.Median(PerRound(results.FixedRate, variant.Name, baseline, (v, b) => Cpu(v) - Cpu(b))), "0.0")} |");
            }
            var fellShort = plan.Variants.Where(v => results.FixedRate.Any(m => m.Variant == v.Name && m.Client.RequestsPerSecond < HeldShare * rate)).Select(v => v.Name).ToList();
            if (fellShort.Count > 0)
            {
                text.AppendLine();
                text.AppendLine(invariant, $"Below {Percent(HeldShare, "0")} of the rate in at least one round, so their percentiles are not at that rate: {string.Join(", ", fellShort)}.");
            }
        }
        if (results.Memory.Count > 0)
        {
            text.AppendLine();
            text.AppendLine(invariant, $"Memory with {LoadPlan.MemoryConnections} concurrent 10 MB responses ({plan.MemoryDuration.TotalSeconds:F0} s of wrk at {LoadPlan.MemoryConnections} connections; resident memory of the process):");
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

    /// <summary>The variant's median requests/s over the baseline's, within each round and then the median: what the chart shows.</summary>
    public static double ShareOfBaseline(LoadResults results, string variant, string baseline, LoadBody body) =>
        LoadRun.Median(PerRound(results.Throughput.Where(m => m.Body == body.Name).ToList(), variant, baseline, (v, b) => v.Client.RequestsPerSecond / b.Client.RequestsPerSecond));

    /// <summary>One value per round in which both the variant and the baseline were measured.</summary>
    private static List<double> PerRound(List<Measurement> measurements, string variant, string baseline, Func<Measurement, Measurement, double> compare) =>
        measurements.Where(m => m.Variant == variant)
            .Join(measurements.Where(m => m.Variant == baseline), v => (v.Round, v.Body), b => (b.Round, b.Body), compare)
            .ToList();

    private static double Median(List<Measurement> measurements, Func<Measurement, double> value) => LoadRun.Median(measurements.Select(value));

    private static double Cpu(Measurement m) => m.CpuSecondsPer1000 * 1000;

    private static double Redis(Measurement m) => m.RedisCpuSecondsPer1000 * 1000;

    private static string Percent(double ratio, string digits) =>
        double.IsNaN(ratio) ? "-" : (100 * ratio).ToString(digits, CultureInfo.InvariantCulture) + "%";

    /// <summary>A difference with its sign. The third section formats zero: without it .NET prints a negative difference that rounds to zero as "-+0.0".</summary>
    private static string Signed(double difference, string digits) =>
        double.IsNaN(difference) ? "-" : difference.ToString($"+{digits};-{digits};+{digits}", CultureInfo.InvariantCulture);

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
            : "unknown CPU";
}
