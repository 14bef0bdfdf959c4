using System.Globalization;

namespace Gateway.Benchmarks.Load;

/// <summary>
/// h2load (HTTP/1.1, TLS) at a fixed request rate, for latency percentiles that a closed loop
/// at full speed cannot give: the percentiles come from its per-request log, not its summary.
/// </summary>
internal static class H2Load
{
    public static async Task<ClientResult> RunAsync(string url, string? token, int connections, double requestsPerSecond, TimeSpan duration, string scratch)
    {
        var log = Path.Combine(scratch, $"h2load-{Guid.NewGuid():N}.log");
        // The rate is taken over the run's duration, not the span of the logged starts: every
        // connection starts at once, so a short run's span is a few intervals shorter than the run.
        var seconds = Math.Max(1, (int)duration.TotalSeconds);
        List<string> arguments =
        [
            "--h1",
            "-c", connections.ToString(CultureInfo.InvariantCulture),
            "--rps", RatePerConnection(requestsPerSecond, connections).ToString(CultureInfo.InvariantCulture),
            "-D", seconds.ToString(CultureInfo.InvariantCulture),
            "--log-file", log,
        ];
        if (token is not null)
        {
            arguments.AddRange(["-H", $"authorization: Bearer {token}"]);
        }
        arguments.Add(url);
        await ToolProcess.RunToEndAsync("h2load", arguments);

        // One line per request: start (µs since the epoch), status, duration (µs).
        var requests = File.ReadLines(log).Select(line => line.Split('\t')).Where(fields => fields.Length == 3).ToList();
        File.Delete(log);
        if (requests.Count == 0)
        {
            throw new InvalidOperationException($"h2load completed no request against {url}.");
        }
        var durations = requests.Select(f => long.Parse(f[2], CultureInfo.InvariantCulture) / 1000.0).Order().ToArray();
        var failures = requests.Count(f => !f[1].StartsWith('2'));
        return new ClientResult(requests.Count, seconds, failures, Percentile(durations, 0.50), Percentile(durations, 0.99));
    }

    /// <summary>h2load takes a whole rate per connection, so the rate it runs at is a multiple of the connection count.</summary>
    public static int RatePerConnection(double requestsPerSecond, int connections) => Math.Max(1, (int)Math.Round(requestsPerSecond / connections));

    private static double Percentile(double[] sorted, double fraction) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(fraction * sorted.Length) - 1)];
}
