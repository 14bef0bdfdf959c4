namespace Gateway.Benchmarks.Load;

/// <summary>
/// Runs a <see cref="LoadPlan"/>: every variant in turn, in a different order each round so that
/// drift in the machine's speed spreads over all of them; then the fixed-rate latency runs at half
/// of bare YARP's peak; then memory with 50 concurrent 10 MB masked responses.
/// </summary>
internal sealed class LoadRun(LoadPlan plan, LoadEnvironment environment, TextWriter log)
{
    private readonly LoadResults _results = new();

    public async Task<LoadResults> RunAsync()
    {
        for (var round = 1; round <= plan.Rounds; round++)
        {
            foreach (var variant in Rotated(plan.Variants, round))
            {
                await MeasureThroughputAsync(variant, round);
            }
        }
        await MeasureFixedRateAsync();
        foreach (var variant in plan.MemoryVariants)
        {
            await MeasureMemoryAsync(variant);
        }
        return _results;
    }

    /// <summary>
    /// This build's full gateway and <paramref name="other"/> (another build's full gateway, one of
    /// this build's variants, or either under other environment variables) running at once, each
    /// warmed up, then loaded with requests for <paramref name="body"/> in alternating slices (A B,
    /// B A, ...). A slow minute of the machine then falls on both halves of a pair, which separate
    /// runs cannot give: single runs of one build moved by more than most changes cost, and a
    /// round's full / bare YARP ratio by more than the target's margin.
    /// </summary>
    /// <param name="rate">Null: each slice is wrk at full speed (requests/s and CPU). A rate: each slice is h2load at that many requests/s, for the latency percentiles the p99 target is about.</param>
    public async Task<LoadResults> CompareAsync(LoadVariant other, LoadBody body, int pairs, TimeSpan slice, double? rate)
    {
        using var full = await StartCheckedAsync(LoadVariants.Full);
        using var compared = await StartCheckedAsync(other);
        if (full is null || compared is null)
        {
            return _results;
        }
        await WarmUpProcessAsync(LoadVariants.Full, full, [body]);
        await WarmUpProcessAsync(other, compared, [body]);
        for (var pair = 1; pair <= pairs; pair++)
        {
            (LoadVariant, LoadTarget)[] order = pair % 2 == 1 ? [(LoadVariants.Full, full), (other, compared)] : [(other, compared), (LoadVariants.Full, full)];
            foreach (var (variant, target) in order)
            {
                await WaitUntilIdleAsync(full);
                await WaitUntilIdleAsync(compared);
                var url = target.BaseUrl + body.PathAndQuery;
                Task<ClientResult> Load(TimeSpan duration) => rate is { } requestsPerSecond
                    ? H2Load.RunAsync(url, environment.Token, requestsPerSecond, duration, environment.Root)
                    : Wrk.RunAsync(url, environment.Token, LoadPlan.ConnectionsFor(body), duration, environment.Root);
                // As in the throughput runs: a process that sat idle while the other was loaded is slower at first.
                if (plan.Warmup > TimeSpan.Zero)
                {
                    await Load(plan.Warmup);
                }
                var measurement = await MeasureAsync(target, variant, body, pair, () => Load(slice));
                _results.Comparison.Add(measurement);
                Report("compare", measurement);
            }
        }
        return _results;
    }

    /// <summary>
    /// Starts the variants, warms each up and keeps them running until <paramref name="stop"/> is
    /// cancelled, measuring nothing: for profiling by hand (perf, dotnet-trace, dotnet-counters)
    /// against the very processes and configuration the benchmark measures.
    /// </summary>
    public async Task<LoadResults> ServeAsync(IReadOnlyList<LoadVariant> variants, CancellationToken stop)
    {
        var started = new List<LoadTarget>();
        try
        {
            foreach (var variant in variants)
            {
                if (await StartCheckedAsync(variant) is not { } target)
                {
                    return _results;
                }
                started.Add(target);
                await WarmUpProcessAsync(variant, target, [LoadBodies.Single]);
                log.WriteLine($"serving   {variant.Name,-28} {target.BaseUrl}{LoadBodies.Single.PathAndQuery}  (pid {target.Process.Id})");
            }
            var tokenFile = Path.Combine(environment.Root, "token.jwt");
            await File.WriteAllTextAsync(tokenFile, environment.Token, stop);
            log.WriteLine($"token     {tokenFile} (send it as 'authorization: Bearer ...'); redis-server {environment.Redis.Configuration} (pid {environment.Redis.Id}); upstream pid {environment.Upstream.Id}");
            log.WriteLine("Running until interrupted (Ctrl-C or SIGTERM).");
            await Task.Delay(Timeout.Infinite, stop);
            return _results;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return _results;
        }
        finally
        {
            started.ForEach(target => target.Dispose());
        }
    }

    private async Task MeasureThroughputAsync(LoadVariant variant, int round)
    {
        using var target = await StartCheckedAsync(variant);
        if (target is null)
        {
            return;
        }
        await WarmUpProcessAsync(variant, target, plan.Bodies);
        foreach (var body in plan.Bodies)
        {
            var connections = LoadPlan.ConnectionsFor(body);
            var url = target.BaseUrl + body.PathAndQuery;
            await WaitUntilIdleAsync(target);
            if (plan.Warmup > TimeSpan.Zero)
            {
                await Wrk.RunAsync(url, environment.Token, connections, plan.Warmup, environment.Root);
            }
            var measurement = await MeasureAsync(target, variant, body, round, () => Wrk.RunAsync(url, environment.Token, connections, plan.Duration, environment.Root));
            _results.Throughput.Add(measurement);
            Report("throughput", measurement);
        }
    }

    private async Task MeasureFixedRateAsync()
    {
        var bare = _results.Throughput.Where(m => m.Variant == LoadVariants.BareYarp.Name && m.Body == LoadBodies.Single.Name).ToList();
        if (bare.Count == 0 || plan.SkipsFixedRate)
        {
            return;
        }
        var rate = Median(bare.Select(m => m.Client.RequestsPerSecond)) / 2;
        _results.FixedRate1KbRequestsPerSecond = rate;
        log.WriteLine($"fixed rate: {rate:F0} req/s (half of bare YARP's 1 KB peak), {FixedRateSchedule.For(rate, plan.FixedRateDuration).Describe()}");
        for (var round = 1; round <= plan.Rounds; round++)
        {
            foreach (var variant in Rotated(plan.FixedRateVariants, round))
            {
                using var target = await StartCheckedAsync(variant);
                if (target is null)
                {
                    continue;
                }
                var url = target.BaseUrl + LoadBodies.Single.PathAndQuery;
                await WarmUpProcessAsync(variant, target, [LoadBodies.Single]);
                await WaitUntilIdleAsync(target);
                var measurement = await MeasureAsync(target, variant, LoadBodies.Single, round,
                    () => H2Load.RunAsync(url, environment.Token, rate, plan.FixedRateDuration, environment.Root));
                _results.FixedRate.Add(measurement);
                Report("fixed rate", measurement);
            }
        }
    }

    private async Task MeasureMemoryAsync(LoadVariant variant)
    {
        using var target = await StartCheckedAsync(variant);
        if (target is null)
        {
            return;
        }
        var url = target.BaseUrl + LoadBodies.List10M.PathAndQuery;
        await WarmUpProcessAsync(variant, target, [LoadBodies.Single, LoadBodies.List10M]);
        await WaitUntilIdleAsync(target);
        var baseline = target.Process.RssBytes();
        target.Process.ResetPeakRss();
        var client = await Wrk.RunAsync(url, environment.Token, LoadPlan.MemoryConnections, plan.MemoryDuration, environment.Root);
        var measurement = new MemoryMeasurement(variant.Name, baseline, target.Process.PeakRssBytes(), client);
        _results.Memory.Add(measurement);
        // Fifty 10 MB responses may take longer than a quick run lasts: only failures count here.
        CheckClient($"memory {variant.Name}", client, mustComplete: false);
        log.WriteLine($"memory      {variant.Name,-28} 50 x 10 MB in flight: RSS {Mb(baseline)} MB -> peak {Mb(measurement.PeakRssBytes)} MB (+{Mb(measurement.GrowthBytes)} MB), {client.Requests} responses");
    }

    /// <summary>
    /// A fresh .NET process is far from its speed: on two cores, tiered JIT compilation of the whole
    /// pipeline takes many seconds of traffic (the full gateway served 3 200 req/s after 5 s and
    /// 7 300 after 30 s in one trial, and its JIT thread still took 11% of the CPU 20 s in). Every
    /// process gets traffic of every body first, then more until its JIT thread is idle, so that
    /// what is measured is the steady state a long-running gateway is in.
    /// </summary>
    private async Task WarmUpProcessAsync(LoadVariant variant, LoadTarget target, IReadOnlyList<LoadBody> bodies)
    {
        foreach (var body in bodies)
        {
            await Wrk.RunAsync(target.BaseUrl + body.PathAndQuery, environment.Token, LoadPlan.ConnectionsFor(body), plan.ProcessWarmup / bodies.Count, environment.Root);
        }
        // The JIT works in bursts (a burst followed one idle slice in a trial), so it must be idle twice in a row.
        var quietSlices = 0;
        for (var slice = 0; slice < plan.MaxJitSettleSlices; slice++)
        {
            var jitBefore = target.Process.JitCpuSeconds();
            foreach (var body in bodies)
            {
                await Wrk.RunAsync(target.BaseUrl + body.PathAndQuery, environment.Token, LoadPlan.ConnectionsFor(body), LoadPlan.JitSettleSlice, environment.Root);
            }
            var jitShare = (target.Process.JitCpuSeconds() - jitBefore) / (LoadPlan.JitSettleSlice.TotalSeconds * bodies.Count);
            quietSlices = jitShare < LoadPlan.JitSettledShare ? quietSlices + 1 : 0;
            if (quietSlices == 2)
            {
                return;
            }
        }
        if (plan.MaxJitSettleSlices > 0)
        {
            log.WriteLine($"note: {variant.Name}: the JIT thread was still busy after {plan.MaxJitSettleSlices} settling slices; measuring anyway");
        }
    }

    /// <summary>
    /// Waits until the process is idle, at most 30 s: after 10 MB responses the gateway still
    /// spools and sends their audit events (megabytes each) for seconds, and the next body's
    /// measurement would pay for them.
    /// </summary>
    private async Task WaitUntilIdleAsync(LoadTarget target)
    {
        if (plan.Quick)
        {
            // A smoke run's numbers mean nothing; the half-second samples would be a quarter of it.
            return;
        }
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var before = target.Process.CpuSeconds();
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            if (target.Process.CpuSeconds() - before < IdleCpuSecondsPerHalfSecond)
            {
                return;
            }
        }
    }

    /// <summary>5% of one core.</summary>
    private const double IdleCpuSecondsPerHalfSecond = 0.025;

    private async Task<Measurement> MeasureAsync(LoadTarget target, LoadVariant variant, LoadBody body, int round, Func<Task<ClientResult>> load)
    {
        target.Process.ResetPeakRss();
        var (cpuBefore, jitBefore, redisBefore) = (target.Process.CpuSeconds(), target.Process.JitCpuSeconds(), environment.Redis.CpuSeconds());
        var client = await load();
        var (cpu, jit, redis) = (target.Process.CpuSeconds() - cpuBefore, target.Process.JitCpuSeconds() - jitBefore, environment.Redis.CpuSeconds() - redisBefore);
        CheckClient($"{variant.Name} {body.Name}", client);
        var perThousand = client.Requests == 0 ? 0 : 1000.0 / client.Requests;
        return new Measurement(variant.Name, body.Name, round, client, cpu * perThousand, jit * perThousand, redis * perThousand, target.Process.PeakRssBytes());
    }

    /// <summary>Starts a variant and checks one answer first: a variant that masks must change the body, one that does not must not.</summary>
    private async Task<LoadTarget?> StartCheckedAsync(LoadVariant variant)
    {
        if (variant == LoadVariants.Nginx && NginxVariant.Executable is null)
        {
            Problem("nginx is not installed (apt-get install -y nginx); its variant is skipped");
            return null;
        }
        await environment.ResetAuditStreamAsync();
        var target = await variant.StartAsync(environment);
        try
        {
            var problem = await AnswerCheck.FindProblemAsync(variant, target, environment);
            if (problem is not null)
            {
                Problem($"{variant.Name}: {problem}");
                target.Dispose();
                return null;
            }
            return target;
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
            Problem($"{what}: no response completed within the measured slice (the process hung, or one response takes longer than the slice, as a 10 MB list does under --quick)");
        }
    }

    private void Problem(string problem)
    {
        _results.Problems.Add(problem);
        log.WriteLine($"PROBLEM: {problem}");
    }

    private void Report(string kind, Measurement m) =>
        log.WriteLine($"{kind,-11} round {m.Round} {m.Variant,-28} {m.Body,-6} {m.Client.RequestsPerSecond,9:F0} req/s  p50 {m.Client.P50Ms,7:F2} ms  p99 {m.Client.P99Ms,7:F2} ms  {m.CpuSecondsPer1000,6:F3} CPU s/1000 (JIT {m.JitCpuSecondsPer1000 * 1000,4:F1} µs/req; redis-server {m.RedisCpuSecondsPer1000 * 1000,5:F1} µs/req)  peak RSS {Mb(m.PeakRssBytes)} MB");

    private static IEnumerable<T> Rotated<T>(IReadOnlyList<T> items, int round) =>
        items.Skip((round - 1) % items.Count).Concat(items.Take((round - 1) % items.Count));

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static long Mb(long bytes) => bytes / (1024 * 1024);
}
