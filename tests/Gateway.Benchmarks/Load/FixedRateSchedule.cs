namespace Gateway.Benchmarks.Load;

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
