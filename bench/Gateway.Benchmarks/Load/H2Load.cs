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

/// <summary>
/// How h2load is made to send requests at an even rate. Its <c>--rps</c> timer fires at most once
/// every 10 ms, and on HTTP/1.1 a connection has one request in flight: above 100 requests/s a
/// connection sends its 10 ms share back to back, each as the one before is answered. With 16
/// connections at 5 300 req/s, all connected at once, that was a burst of 16 connections at full
/// speed every 10 ms, 53 requests deep, then nothing: the percentiles measured how fast the burst
/// drained, not latency at half load. Here each connection sends one request per tick, and the
/// connections are opened one per millisecond, so their ticks fall into different milliseconds of
/// the period: about rate / 1 000 requests start in each millisecond.
/// </summary>
internal sealed record FixedRateSchedule(int Connections, int RatePerConnection, int Seconds)
{
    /// <summary>One request per tick of h2load's rate timer, whose period is at least 10 ms.</summary>
    public const int MaxRatePerConnection = 100;

    /// <summary>h2load opens one connection per this many milliseconds (its finest <c>--rate-period</c>).</summary>
    public const int ConnectionSpacingMs = 1;

    /// <summary>
    /// Not measured: opening the connections, one TLS handshake per millisecond, took most of the
    /// server's CPU for their first 50-100 ms, and the requests queued behind the handshakes made up
    /// most of a 5 s run's slowest 1%.
    /// </summary>
    public static readonly TimeSpan Unmeasured = TimeSpan.FromSeconds(1);

    public int RequestsPerSecond => Connections * RatePerConnection;

    /// <summary>The measured seconds and the unmeasured first one; every connection sends the same number (h2load divides <c>-n</c> evenly).</summary>
    public int Requests => RequestsPerSecond * (Seconds + (int)Unmeasured.TotalSeconds);

    /// <summary>For reports: what h2load was asked to do.</summary>
    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"h2load at {RequestsPerSecond} req/s: {Connections} connections opened {ConnectionSpacingMs} ms apart, each sending one request every {1000.0 / RatePerConnection:0.#} ms");

    public static FixedRateSchedule For(double requestsPerSecond, TimeSpan duration)
    {
        var connections = Math.Max(1, (int)Math.Ceiling(requestsPerSecond / MaxRatePerConnection));
        var perConnection = Math.Clamp((int)Math.Round(requestsPerSecond / connections), 1, MaxRatePerConnection);
        return new FixedRateSchedule(connections, perConnection, Math.Max(1, (int)Math.Round(duration.TotalSeconds)));
    }
}
