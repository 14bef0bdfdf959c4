namespace Gateway.Benchmarks.Load;

/// <summary>How long and how often: the full plan for docs/performance.md, or the quick one CI runs as a smoke test.</summary>
internal sealed record LoadPlan(
    bool Quick,
    int Rounds,
    TimeSpan ProcessWarmup,
    TimeSpan Warmup,
    TimeSpan Duration,
    IReadOnlyList<LoadVariant> Variants,
    IReadOnlyList<LoadBody> Bodies,
    TimeSpan FixedRateDuration,
    TimeSpan MemoryDuration,
    IReadOnlyList<LoadVariant> MemoryVariants,
    int MaxJitSettleSlices,
    IReadOnlyList<LoadVariant> FixedRateVariants,
    bool SkipsFixedRate = false,
    bool AuditStreamGrows = false)
{
    public const int MemoryConnections = 50;

    /// <summary>Warm-up goes on in slices of this length while the JIT thread uses more than <see cref="JitSettledShare"/> of a core.</summary>
    public static readonly TimeSpan JitSettleSlice = TimeSpan.FromSeconds(2);

    public const double JitSettledShare = 0.02;

    public static LoadPlan Full(int rounds) => new(
        Quick: false,
        rounds,
        ProcessWarmup: TimeSpan.FromSeconds(15),
        Warmup: TimeSpan.FromSeconds(3),
        Duration: TimeSpan.FromSeconds(8),
        LoadVariants.All,
        LoadBodies.All,
        FixedRateDuration: TimeSpan.FromSeconds(15),
        MemoryDuration: TimeSpan.FromSeconds(20),
        [LoadVariants.BareYarp, LoadVariants.Full, LoadVariants.WithoutConsent, LoadVariants.WithoutAudit, LoadVariants.WithoutIdentity],
        MaxJitSettleSlices: 20,
        LatencyVariants);

    /// <summary>Under a minute: proves every part starts and answers correctly; its numbers mean nothing.</summary>
    public static LoadPlan QuickSmoke() => new(
        Quick: true,
        Rounds: 1,
        ProcessWarmup: TimeSpan.FromSeconds(1),
        Warmup: TimeSpan.Zero,
        Duration: TimeSpan.FromSeconds(1),
        [LoadVariants.Direct, LoadVariants.Nginx, LoadVariants.BareYarp, LoadVariants.Full],
        [LoadBodies.Single, LoadBodies.List100K],
        FixedRateDuration: TimeSpan.FromSeconds(1),
        MemoryDuration: TimeSpan.FromSeconds(2),
        [LoadVariants.BareYarp, LoadVariants.Full],
        MaxJitSettleSlices: 0,
        LatencyVariants);

    /// <summary>Latency at a fixed rate: the pipeline against its floor, and nginx for reference.</summary>
    private static readonly LoadVariant[] LatencyVariants = [LoadVariants.BareYarp, LoadVariants.Full, LoadVariants.Nginx];

    /// <summary>
    /// Only the named variants and bodies (all of either when none is named), in each part of the
    /// run: for working on one stage's cost. The fixed-rate runs need bare YARP's 1 KB peak, so
    /// they happen only when bare YARP and 1 KB are among the throughput runs.
    /// </summary>
    /// <returns>Null when a name matches no variant or body.</returns>
    public LoadPlan? Only(IReadOnlyCollection<string> variantNames, IReadOnlyCollection<string> bodyNames)
    {
        var variants = variantNames.Count == 0 ? Variants : LoadVariants.All.Where(v => variantNames.Contains(v.Name)).ToList();
        var bodies = bodyNames.Count == 0 ? Bodies : LoadBodies.All.Where(b => bodyNames.Contains(b.Name)).ToList();
        if (variants.Count < variantNames.Distinct().Count() || bodies.Count < bodyNames.Distinct().Count())
        {
            return null;
        }
        return this with
        {
            Variants = variants,
            Bodies = bodies,
            MemoryVariants = Named(MemoryVariants, variantNames),
            FixedRateVariants = Named(FixedRateVariants, variantNames),
        };
    }

    private static List<LoadVariant> Named(IReadOnlyList<LoadVariant> variants, IReadOnlyCollection<string> names) =>
        names.Count == 0 ? [.. variants] : LoadVariants.All.Where(v => names.Contains(v.Name) && variants.Contains(v)).ToList();

    public static int ConnectionsFor(LoadBody body) => body == LoadBodies.List10M ? 8 : 32;
}
