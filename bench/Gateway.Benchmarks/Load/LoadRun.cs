namespace Gateway.Benchmarks.Load;

/// <summary>
/// Runs a plan side by side: every variant is started at once against one upstream and one
/// redis-server and warmed up; then, for each body, in each round every variant in turn is loaded
/// for a slice, in a different order each round, so that a slow minute of the machine falls on all
/// the variants of a round alike (separate runs of one build moved by more than most changes cost,
/// and the full / bare YARP ratio of separate runs by more than the target's margin); then the
/// same at a fixed rate, half of the baseline's 1 KB peak, for latency; then, one variant after the
/// other, memory under 50 concurrent 10 MB responses.
/// </summary>
internal sealed class LoadRun(LoadPlan plan, LoadEnvironment environment, TextWriter log)
{
    private readonly LoadResults _results = new();

    public async Task<LoadResults> RunAsync()
    {
        var starting = plan.Variants.Select(StartCheckedAsync).ToList();
        LoadTarget?[] starts;
        try
        {
            starts = await Task.WhenAll(starting);
        }
        catch
        {
            // Not one of the servers started may outlive the run.
            starting.Where(start => start.IsCompletedSuccessfully).ToList().ForEach(start => start.Result?.Dispose());
            throw;
        }
        var started = plan.Variants.Zip(starts).Where(s => s.Second is not null).Select(s => (Variant: s.First, Target: s.Second!)).ToList();
        try
        {
            // Every variant or none: a run without one of them would leave its rows out unnoticed.
            if (started.Count < plan.Variants.Count)
            {
                return _results;
            }
            foreach (var (variant, target) in started)
            {
                await WarmUpProcessAsync(variant, target);
            }
            foreach (var body in plan.ThroughputBodies)
            {
                await MeasureRoundsAsync(started, body, _results.Throughput, "throughput",
                    (url, duration) => Wrk.RunAsync(url, environment.Token, LoadPlan.ConnectionsFor(body), duration, environment.Root));
            }
            if (plan.MeasuresFixedRate)
            {
                var rate = Median(_results.Throughput.Where(m => m.Variant == plan.Baseline.Name && m.Body == LoadBodies.Single.Name).Select(m => m.Client.RequestsPerSecond)) / 2;
                _results.FixedRateRequestsPerSecond = rate;
                log.WriteLine($"fixed rate: half of {plan.Baseline.Name}'s 1 KB peak, {FixedRateSchedule.For(rate, plan.Slice).Describe()}");
                await MeasureRoundsAsync(started, LoadBodies.Single, _results.FixedRate, "fixed rate",
                    (url, duration) => H2Load.RunAsync(url, environment.Token, rate, duration, environment.Root));
            }
            if (plan.MeasuresMemory)
            {
                foreach (var (variant, target) in started)
                {
                    await MeasureMemoryAsync(variant, target);
                }
            }
            return _results;
        }
        finally
        {
            started.ForEach(s => s.Target.Dispose());
        }
    }

    private async Task MeasureRoundsAsync(List<(LoadVariant Variant, LoadTarget Target)> started, LoadBody body, List<Measurement> measurements, string kind, Func<string, TimeSpan, Task<ClientResult>> load)
    {
        for (var round = 1; round <= plan.Rounds; round++)
        {
            foreach (var (variant, target) in Rotated(started, round))
            {
                await WaitUntilIdleAsync(started.Select(s => s.Target));
                var url = target.BaseUrl + body.PathAndQuery;
                // A process that sat idle while the others were loaded is slower at first.
                if (plan.Warmup > TimeSpan.Zero)
                {
                    await load(url, plan.Warmup);
                }
                var measurement = await MeasureAsync(target, variant, body, round, () => load(url, plan.Slice));
                measurements.Add(measurement);
                log.WriteLine($"{kind,-10} round {round} {variant.Name,-16} {body.Name,-6} {measurement.Client.RequestsPerSecond,8:F0} req/s  p50 {measurement.Client.P50Ms,6:F2} ms  p99 {measurement.Client.P99Ms,6:F2} ms  CPU {measurement.CpuSecondsPer1000 * 1000,6:F1} µs/req (JIT {measurement.JitCpuSecondsPer1000 * 1000,4:F1})  redis-server {measurement.RedisCpuSecondsPer1000 * 1000,5:F1} µs/req");
            }
        }
    }

    private async Task MeasureMemoryAsync(LoadVariant variant, LoadTarget target)
    {
        await WaitUntilIdleAsync([target]);
        var baseline = target.Process.RssBytes();
        target.Process.ResetPeakRss();
        var client = await Wrk.RunAsync(target.BaseUrl + LoadBodies.List10M.PathAndQuery, environment.Token, LoadPlan.MemoryConnections, plan.MemoryDuration, environment.Root);
        var measurement = new MemoryMeasurement(variant.Name, baseline, target.Process.PeakRssBytes(), client);
        _results.Memory.Add(measurement);
        // Fifty 10 MB responses may take longer than a quick run lasts: only failures count here.
        CheckClient($"memory {variant.Name}", client, mustComplete: false);
        log.WriteLine($"memory     {variant.Name,-16} 50 x 10 MB in flight: RSS {Mb(baseline)} MB -> peak {Mb(measurement.PeakRssBytes)} MB (+{Mb(measurement.GrowthBytes)} MB), {client.Requests} responses");
    }

    /// <summary>
    /// A fresh .NET process is far from its speed: on two cores, tiered JIT compilation of the whole
    /// pipeline takes many seconds of traffic (the full gateway served 3 200 req/s after 5 s and
    /// 7 300 after 30 s in one trial). Every process gets traffic of every body first, then more
    /// until its JIT thread is idle, so that what is measured is the steady state a long-running
    /// gateway is in.
    /// </summary>
    private async Task WarmUpProcessAsync(LoadVariant variant, LoadTarget target)
    {
        if (plan.ProcessWarmup <= TimeSpan.Zero)
        {
            return;
        }
        foreach (var body in plan.Bodies)
        {
            await Wrk.RunAsync(target.BaseUrl + body.PathAndQuery, environment.Token, LoadPlan.ConnectionsFor(body), plan.ProcessWarmup / plan.Bodies.Count, environment.Root);
        }
        // The JIT works in bursts (a burst followed one idle slice in a trial), so it must be idle twice in a row.
        var quietSlices = 0;
        for (var slice = 0; slice < plan.MaxJitSettleSlices; slice++)
        {
            var jitBefore = target.Process.JitCpuSeconds();
            foreach (var body in plan.Bodies)
            {
                await Wrk.RunAsync(target.BaseUrl + body.PathAndQuery, environment.Token, LoadPlan.ConnectionsFor(body), LoadPlan.JitSettleSlice, environment.Root);
            }
            var jitShare = (target.Process.JitCpuSeconds() - jitBefore) / (LoadPlan.JitSettleSlice.TotalSeconds * plan.Bodies.Count);
            quietSlices = jitShare < LoadPlan.JitSettledShare ? quietSlices + 1 : 0;
            if (quietSlices == 2)
            {
                log.WriteLine($"warmed up  {variant.Name}");
                return;
            }
        }
        log.WriteLine($"note: {variant.Name}: the JIT thread was still busy after {plan.MaxJitSettleSlices} settling slices; measuring anyway");
    }

    /// <summary>
    /// Waits until every process is idle, at most 30 s: after 10 MB responses the gateway still
    /// spools and sends their audit events (megabytes each) for seconds, and the next slice would
    /// pay for them.
    /// </summary>
    private async Task WaitUntilIdleAsync(IEnumerable<LoadTarget> targets)
    {
        if (plan.Quick)
        {
            // A smoke run's numbers mean nothing; the half-second samples would be a quarter of it.
            return;
        }
        var processes = targets.Select(t => t.Process).ToList();
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var before = processes.Select(p => p.CpuSeconds()).ToList();
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            if (processes.Select((p, i) => p.CpuSeconds() - before[i]).All(used => used < IdleCpuSecondsPerHalfSecond))
            {
                return;
            }
        }
    }

    /// <summary>5% of one core.</summary>
    private const double IdleCpuSecondsPerHalfSecond = 0.025;

    private async Task<Measurement> MeasureAsync(LoadTarget target, LoadVariant variant, LoadBody body, int round, Func<Task<ClientResult>> load)
    {
        var (cpuBefore, jitBefore, redisBefore) = (target.Process.CpuSeconds(), target.Process.JitCpuSeconds(), environment.Redis.CpuSeconds());
        var client = await load();
        var (cpu, jit, redis) = (target.Process.CpuSeconds() - cpuBefore, target.Process.JitCpuSeconds() - jitBefore, environment.Redis.CpuSeconds() - redisBefore);
        CheckClient($"{variant.Name} {body.Name}", client);
        var perThousand = client.Requests == 0 ? 0 : 1000.0 / client.Requests;
        return new Measurement(variant.Name, body.Name, round, client, cpu * perThousand, jit * perThousand, redis * perThousand);
    }

    /// <summary>Starts a variant and checks one answer first: a variant that masks must change the body, one that does not must not.</summary>
    private async Task<LoadTarget?> StartCheckedAsync(LoadVariant variant)
    {
        LoadTarget target;
        try
        {
            target = await variant.StartAsync(environment);
        }
        catch (InvalidOperationException e)
        {
            Problem($"{variant.Name}: {e.Message}");
            return null;
        }
        try
        {
            if (await AnswerCheck.FindProblemAsync(variant, target, environment) is { } problem)
            {
                Problem($"{variant.Name}: {problem}");
                target.Dispose();
                return null;
            }
            return target;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Problem($"{variant.Name}: did not answer: {e.Message}");
            target.Dispose();
            return null;
        }
        catch
        {
            target.Dispose();
            throw;
        }
    }

    private void CheckClient(string what, ClientResult client, bool mustComplete = true)
    {
        if (client.Failures > 0)
        {
            Problem($"{what}: {client.Failures} of {client.Requests} requests failed");
        }
        else if (mustComplete && client.Requests == 0)
        {
            Problem($"{what}: no response completed within the measured slice (the process hung, or one response takes longer than the slice)");
        }
    }

    private void Problem(string problem)
    {
        lock (_results.Problems)
        {
            _results.Problems.Add(problem);
        }
        log.WriteLine($"PROBLEM: {problem}");
    }

    private static IEnumerable<T> Rotated<T>(IReadOnlyList<T> items, int round) =>
        items.Skip((round - 1) % items.Count).Concat(items.Take((round - 1) % items.Count));

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static long Mb(long bytes) => bytes / (1024 * 1024);
}
