using System.Globalization;
using System.Text;

namespace Gateway.Benchmarks.Load;

/// <summary>
/// The table of a --compare-with or --compare-variant run: each pair's two slices and, over the
/// pairs, the medians of the full gateway's CPU per request minus the other's and of its
/// requests/s against the other's; at a fixed --rate, of its p99 latency minus the other's instead.
/// </summary>
internal static class SideBySideReport
{
    public static string Markdown(LoadResults results, string otherName, LoadBody body, TimeSpan slice, double? rate, bool auditStreamGrows)
    {
        var invariant = CultureInfo.InvariantCulture;
        var pairs = results.Comparison.GroupBy(m => m.Round)
            .Select(pair => (Number: pair.Key, This: pair.SingleOrDefault(m => m.Variant == LoadVariants.Full.Name), Other: pair.SingleOrDefault(m => m.Variant == otherName)))
            .Where(pair => pair.This is not null && pair.Other is not null)
            .Select(pair => new Pair(pair.Number, pair.This!, pair.Other!))
            .ToList();
        var text = new StringBuilder();
        var load = rate is { } requestsPerSecond
            ? FixedRateSchedule.For(requestsPerSecond, slice).Describe()
            : $"wrk at {LoadPlan.ConnectionsFor(body)} connections";
        text.AppendLine(invariant, $"This build's full gateway against {otherName}: both running, {slice.TotalSeconds:F0} s slices of {body.Name} requests ({load}), alternating A B, B A, ...; {AuditStreamTrimmer.Describe(auditStreamGrows)}.");
        text.AppendLine();
        if (rate is null)
        {
            AppendThroughput(text, pairs);
        }
        else
        {
            AppendLatency(text, pairs);
        }
        foreach (var problem in results.Problems)
        {
            text.AppendLine(invariant, $"- Problem: {problem}");
        }
        return text.ToString();
    }

    private static void AppendThroughput(StringBuilder text, List<Pair> pairs)
    {
        AppendTable(text, pairs,
            ["pair", "this build req/s", "other req/s", "this build CPU µs / req (JIT)", "other CPU µs / req (JIT)", "CPU difference µs / req", "redis-server µs / req, this build / other"],
            pair => $"{pair.Number} | {pair.This.Client.RequestsPerSecond:F0} | {pair.Other.Client.RequestsPerSecond:F0} | {Micro(pair.This):F1} ({Jit(pair.This):F1}) | {Micro(pair.Other):F1} ({Jit(pair.Other):F1}) | {Signed(pair.CpuDifference, "0.0")} | {Redis(pair.This):F1} / {Redis(pair.Other):F1}",
            () =>
            {
                var rateRatio = LoadRun.Median(pairs.Select(p => p.RateRatio));
                return $"this build's CPU per request minus the other's, median **{Signed(LoadRun.Median(pairs.Select(p => p.CpuDifference)), "0.0")} µs** (lower in {pairs.Count(p => p.CpuDifference < 0)} of {pairs.Count}); its requests/s against the other's, median **{Signed(rateRatio - 1, "0.0%")}** ({rateRatio:0.0%} of the other's); redis-server's CPU per request in its slices minus in the other's, median {Signed(LoadRun.Median(pairs.Select(p => p.RedisDifference)), "0.0")} µs (taken from the same two cores).";
            });
    }

    /// <summary>The same rate on both sides, so what differs is latency; CPU per request is shown as a check that the two served alike.</summary>
    private static void AppendLatency(StringBuilder text, List<Pair> pairs) =>
        AppendTable(text, pairs,
            ["pair", "this build req/s", "other req/s", "this build p50 / p99 ms", "other p50 / p99 ms", "p99 difference ms", "CPU difference µs / req"],
            pair => $"{pair.Number} | {pair.This.Client.RequestsPerSecond:F0} | {pair.Other.Client.RequestsPerSecond:F0} | {pair.This.Client.P50Ms:F2} / {pair.This.Client.P99Ms:F2} | {pair.Other.Client.P50Ms:F2} / {pair.Other.Client.P99Ms:F2} | {Signed(pair.P99Difference, "0.00")} | {Signed(pair.CpuDifference, "0.0")}",
            () => $"this build's p99 minus the other's, median **{Signed(LoadRun.Median(pairs.Select(p => p.P99Difference)), "0.00")} ms** (lower in {pairs.Count(p => p.P99Difference < 0)} of {pairs.Count}); p50 minus the other's, median {Signed(LoadRun.Median(pairs.Select(p => p.P50Difference)), "0.00")} ms; CPU per request minus the other's, median {Signed(LoadRun.Median(pairs.Select(p => p.CpuDifference)), "0.0")} µs.");

    /// <summary>
    /// A difference with its sign. The third section formats zero: without it .NET prints a
    /// negative difference that rounds to zero as "-+0.0".
    /// </summary>
    private static string Signed(double difference, string digits) =>
        difference.ToString($"+{digits};-{digits};+{digits}", CultureInfo.InvariantCulture);

    /// <summary>One row per pair, then the summary over the pairs (when there are any).</summary>
    private static void AppendTable(StringBuilder text, List<Pair> pairs, string[] columns, Func<Pair, FormattableString> row, Func<FormattableString> summary)
    {
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine($"| {string.Join(" | ", columns)} |");
        text.AppendLine($"|{string.Concat(Enumerable.Repeat("---:|", columns.Length))}");
        foreach (var pair in pairs)
        {
            text.AppendLine($"| {row(pair).ToString(invariant)} |");
        }
        if (pairs.Count > 0)
        {
            text.AppendLine();
            text.AppendLine($"Over {pairs.Count} pairs: {summary().ToString(invariant)}");
        }
    }

    private static double Micro(Measurement measurement) => measurement.CpuSecondsPer1000 * 1000;

    private static double Jit(Measurement measurement) => measurement.JitCpuSecondsPer1000 * 1000;

    private static double Redis(Measurement measurement) => measurement.RedisCpuSecondsPer1000 * 1000;

    private sealed record Pair(int Number, Measurement This, Measurement Other)
    {
        public double CpuDifference => Micro(This) - Micro(Other);

        public double RateRatio => This.Client.RequestsPerSecond / Other.Client.RequestsPerSecond;

        public double P99Difference => This.Client.P99Ms - Other.Client.P99Ms;

        public double P50Difference => This.Client.P50Ms - Other.Client.P50Ms;

        public double RedisDifference => Redis(This) - Redis(Other);
    }
}
