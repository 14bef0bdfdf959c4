namespace Gateway.Benchmarks.Load;

/// <summary>What one load run measured on the client side.</summary>
internal sealed record ClientResult(long Requests, double Seconds, long Failures, double P50Ms, double P99Ms)
{
    public double RequestsPerSecond => Requests / Seconds;
}

/// <summary>One variant serving one body for one round: the client's view and the server process's cost.</summary>
/// <param name="JitCpuSecondsPer1000">The part of <paramref name="CpuSecondsPer1000"/> the JIT's tiering thread used: a process still recompiling is not yet in its steady state.</param>
/// <param name="RedisCpuSecondsPer1000">What redis-server used meanwhile (taking audit events, answering consent lookups): not the measured process's, but taken from the same cores.</param>
internal sealed record Measurement(string Variant, string Body, int Round, ClientResult Client, double CpuSecondsPer1000, double JitCpuSecondsPer1000, double RedisCpuSecondsPer1000);

/// <summary>Resident memory of one variant while <see cref="LoadPlan.MemoryConnections"/> 10 MB responses were in flight.</summary>
internal sealed record MemoryMeasurement(string Variant, long BaselineRssBytes, long PeakRssBytes, ClientResult Client)
{
    public long GrowthBytes => PeakRssBytes - BaselineRssBytes;
}

internal sealed class LoadResults
{
    public List<Measurement> Throughput { get; } = [];

    public List<Measurement> FixedRate { get; } = [];

    /// <summary>Half of the baseline's median 1 KB requests/s, the rate of <see cref="FixedRate"/>.</summary>
    public double FixedRateRequestsPerSecond { get; set; }

    public List<MemoryMeasurement> Memory { get; } = [];

    /// <summary>Runs that had failed requests or wrong answers; a smoke run with any fails.</summary>
    public List<string> Problems { get; } = [];
}
