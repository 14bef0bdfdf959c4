using System.Globalization;

namespace Gateway.Benchmarks.Load;

/// <summary>
/// h2load (HTTP/1.1, TLS) at a fixed request rate, for latency percentiles that a closed loop
/// at full speed cannot give: the percentiles come from its per-request log, not its summary.
/// </summary>
internal static class H2Load
{
    public static async Task<ClientResult> RunAsync(string url, string? token, double requestsPerSecond, TimeSpan duration, string scratch)
    {
        var log = Path.Combine(scratch, $"h2load-{Guid.NewGuid():N}.log");
        var schedule = FixedRateSchedule.For(requestsPerSecond, duration);
        List<string> arguments =
        [
            "--h1",
            "-c", schedule.Connections.ToString(CultureInfo.InvariantCulture),
            "--rps", schedule.RatePerConnection.ToString(CultureInfo.InvariantCulture),
            "-r", "1",
            "--rate-period", $"{FixedRateSchedule.ConnectionSpacingMs}ms",
            "-n", schedule.Requests.ToString(CultureInfo.InvariantCulture),
            "--log-file", log,
        ];
        if (token is not null)
        {
            arguments.AddRange(["-H", $"authorization: Bearer {token}"]);
        }
        arguments.Add(url);
        await ToolProcess.RunToEndAsync("h2load", arguments);

        // One line per request: start (µs since the epoch), status, duration (µs).
        var requests = File.ReadLines(log).Select(line => line.Split('\t')).Where(fields => fields.Length == 3)
            .Select(f => (Start: long.Parse(f[0], CultureInfo.InvariantCulture), Succeeded: f[1].StartsWith('2'), Micros: long.Parse(f[2], CultureInfo.InvariantCulture)))
            .ToList();
        File.Delete(log);
        if (requests.Count == 0)
        {
            throw new InvalidOperationException($"h2load completed no request against {url}.");
        }
        var first = requests.Min(r => r.Start);
        var measuredFrom = first + (long)FixedRateSchedule.Unmeasured.TotalMicroseconds;
        var durations = requests.Where(r => r.Start >= measuredFrom).Select(r => r.Micros / 1000.0).Order().ToArray();
        if (durations.Length == 0)
        {
            throw new InvalidOperationException($"h2load sent no request against {url} after its first {FixedRateSchedule.Unmeasured.TotalSeconds:F0} s.");
        }
        // Rate and CPU per request are over the whole run; the rate from the first request's start to
        // the last one's end, as a server that falls behind makes h2load take longer for its requests.
        var span = requests.Max(r => r.Start + r.Micros) - first;
        var failures = requests.Count(r => !r.Succeeded);
        return new ClientResult(requests.Count, Math.Max(span, 1) / 1e6, failures, Percentile(durations, 0.50), Percentile(durations, 0.99));
    }

    private static double Percentile(double[] sorted, double fraction) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(fraction * sorted.Length) - 1)];
}
