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
    IReadOnlyList<LoadVariant> MemoryVariants)
{
    public const int FixedRateConnections = 16;
    public const int MemoryConnections = 50;

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
        [LoadVariants.BareYarp, LoadVariants.Full, LoadVariants.WithoutConsent, LoadVariants.WithoutAudit, LoadVariants.WithoutIdentity]);

    /// <summary>Under a minute: proves every part starts and answers correctly; its numbers mean nothing.</summary>
    public static LoadPlan QuickSmoke() => new(
        Quick: true,
        Rounds: 1,
        ProcessWarmup: TimeSpan.FromSeconds(1),
        Warmup: TimeSpan.FromSeconds(1),
        Duration: TimeSpan.FromSeconds(1),
        [LoadVariants.Direct, LoadVariants.Nginx, LoadVariants.BareYarp, LoadVariants.Full],
        [LoadBodies.Single, LoadBodies.List100K],
        FixedRateDuration: TimeSpan.FromSeconds(2),
        MemoryDuration: TimeSpan.FromSeconds(3),
        [LoadVariants.BareYarp, LoadVariants.Full]);

    public static int ConnectionsFor(LoadBody body) => body == LoadBodies.List10M ? 8 : 32;
}
