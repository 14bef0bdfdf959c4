namespace Gateway.Benchmarks.Load;

/// <summary>
/// What is measured and for how long: the full plan docs/performance.md's figures come from, or
/// the quick one CI runs as a smoke test. The first variant is the baseline every other one is
/// compared with, round by round.
/// </summary>
internal sealed record LoadPlan(
    bool Quick,
    int Rounds,
    TimeSpan ProcessWarmup,
    TimeSpan Warmup,
    TimeSpan Slice,
    TimeSpan MemoryDuration,
    int MaxJitSettleSlices,
    IReadOnlyList<LoadVariant> Variants,
    IReadOnlyList<LoadBody> Bodies)
{
    public const int DefaultRounds = 10;

    public const int MemoryConnections = 50;

    /// <summary>Warm-up goes on in slices of this length while the JIT thread uses more than <see cref="JitSettledShare"/> of a core.</summary>
    public static readonly TimeSpan JitSettleSlice = TimeSpan.FromSeconds(2);

    public const double JitSettledShare = 0.02;

    public LoadVariant Baseline => Variants[0];

    /// <summary>Each slice is 3 s of unmeasured load (a process that sat idle while the others were loaded is slower at first), then 5 s measured: long enough for thousands of requests, short enough that the machine's drift within a round stays small.</summary>
    public static LoadPlan Full(int rounds, IReadOnlyList<LoadVariant> variants, IReadOnlyList<LoadBody> bodies) => new(
        Quick: false,
        rounds,
        ProcessWarmup: TimeSpan.FromSeconds(15),
        Warmup: TimeSpan.FromSeconds(3),
        Slice: TimeSpan.FromSeconds(5),
        MemoryDuration: TimeSpan.FromSeconds(20),
        MaxJitSettleSlices: 20,
        variants,
        bodies);

    /// <summary>Under a minute: proves every variant starts, answers correctly and serves every part of the run; its numbers mean nothing.</summary>
    public static LoadPlan QuickSmoke(IReadOnlyList<LoadVariant> variants, IReadOnlyList<LoadBody> bodies) => new(
        Quick: true,
        Rounds: 1,
        ProcessWarmup: TimeSpan.Zero,
        Warmup: TimeSpan.Zero,
        Slice: TimeSpan.FromSeconds(1),
        MemoryDuration: TimeSpan.FromSeconds(1),
        MaxJitSettleSlices: 0,
        variants,
        bodies);

    public IEnumerable<LoadBody> ThroughputBodies => Bodies.Where(b => b != LoadBodies.List10M);

    /// <summary>The fixed-rate latency runs are at half of the baseline's 1 KB peak, so they need it measured.</summary>
    public bool MeasuresFixedRate => Bodies.Contains(LoadBodies.Single);

    /// <summary>10 MB responses are the memory test: <see cref="MemoryConnections"/> of them in flight.</summary>
    public bool MeasuresMemory => Bodies.Contains(LoadBodies.List10M);

    public static int ConnectionsFor(LoadBody body) => body == LoadBodies.List10M ? 8 : 32;
}
