using System.CommandLine;

namespace Gateway.Benchmarks.Load;

/// <summary>
/// <c>load [--quick] [--rounds N] [--update-docs] [--memory-only] [--variant NAME]... [--body NAME]... [--fixed-rate] [--growing-audit-stream]</c>: the end-to-end load benchmark. Writes its
/// report and chart to BenchmarkDotNet.Artifacts/load/ (and, with --update-docs, into
/// docs/performance.md). <c>load --compare-with DIR [--pairs N]</c> instead runs this build's full
/// gateway side by side with another build's, and <c>load --compare-variant NAME [--pairs N]</c>
/// side by side with one of this build's variants (at full speed, or at a fixed <c>--rate</c> for latency); <c>--compare-env NAME=VALUE</c> sets environment variables for the compared side's
/// process alone (a runtime setting against none). <c>load --serve [--variant NAME]...</c> only starts the
/// variants, warmed up, and keeps them running for profiling by hand. Exit code 1 when a variant failed requests or answered wrongly.
/// </summary>
internal static class LoadCommand
{
    public const string Name = "load";

    public static Task<int> RunAsync(string[] args)
    {
        var quick = new Option<bool>("--quick") { Description = "A smoke run of under a minute (CI): proves every part works; its numbers mean nothing." };
        var rounds = new Option<int>("--rounds") { Description = "How often every variant is measured (interleaved).", DefaultValueFactory = _ => 3 };
        var updateDocs = new Option<bool>("--update-docs") { Description = "Write the results into docs/performance.md and its chart." };
        var memoryOnly = new Option<bool>("--memory-only") { Description = "Only the memory test (50 concurrent 10 MB responses), for working on memory." };
        var variants = new Option<string[]>("--variant") { Description = "Only this throughput variant (repeatable), e.g. --variant \"full gateway\"; for working on one stage's cost.", Arity = ArgumentArity.OneOrMore };
        var bodies = new Option<string[]>("--body") { Description = "Only this body (repeatable): \"1 KB\", \"100 KB\" or \"10 MB\". With a comparison option, the one body its slices request (1 KB when none is given).", Arity = ArgumentArity.OneOrMore };
        var fixedRate = new Option<bool>("--fixed-rate") { Description = "With --variant/--body: also the fixed-rate latency runs of the named variants (needs \"bare YARP\" and \"1 KB\")." };
        var compareWith = new Option<string>("--compare-with") { Description = "Another build's output directory (holding Gateway.dll, e.g. a copy of tests/Gateway.Benchmarks/bin/Release/net10.0 from before a change): runs its full gateway and this build's at once, loaded in alternating slices (of 1 KB, or the --body given), and reports the paired differences. Nothing else is measured." };
        var compareVariant = new Option<string>("--compare-variant") { Description = "One of this build's variants, e.g. \"bare YARP\" (the 70% target) or \"full - audit\": runs it and this build's full gateway at once, loaded in alternating slices as with --compare-with. Nothing else is measured." };
        var compareEnvironment = new Option<string[]>("--compare-env") { Description = "NAME=VALUE (repeatable): an environment variable for the compared gateway's process alone, on top of the deployed environment every gateway variant runs with (DOTNET_GCgen0size=0x4000000; DOTNET_GCgen0size=0 is the runtime's own budget), to measure a runtime setting side by side. Without --compare-with or --compare-variant, this build's full gateway is compared with itself under the variables.", Arity = ArgumentArity.OneOrMore };
        var rate = new Option<double?>("--rate") { Description = "With a comparison option: each slice is h2load at this many requests/s, spread evenly (one request per connection every 10 ms or more, connections opened 1 ms apart; the first second not measured) instead of wrk at full speed, and the report compares p50/p99 latency, e.g. --compare-variant \"bare YARP\" --rate 5700 for the p99 target (half of bare YARP's peak)." };
        var growingAuditStream = new Option<bool>("--growing-audit-stream") { Description = "Let redis-server's audit stream grow through each run, as in a gateway's first retention period, instead of keeping it at its last 2 s of events as a gateway older than its retention does; Redis then takes fresh memory for every event." };
        var serve = new Option<bool>("--serve") { Description = "Start the variants named by --variant (the full gateway and bare YARP when none is named), warm them up, print their addresses and process ids, and keep them running until interrupted, measuring nothing: for profiling by hand (perf, dotnet-trace, dotnet-counters)." };
        var pairs = new Option<int>("--pairs") { Description = "With --compare-with, --compare-variant or --compare-env: how many pairs of slices.", DefaultValueFactory = _ => 10 };
        var command = new RootCommand("End-to-end load benchmark: upstream direct, nginx, bare YARP and the gateway with each stage on and off.")
        {
            quick, rounds, updateDocs, memoryOnly, variants, bodies, fixedRate, compareWith, compareVariant, compareEnvironment, rate, growingAuditStream, serve, pairs,
        };
        command.SetAction(async (parse, stop) =>
        {
            if (parse.GetValue(rounds) < 1)
            {
                await Console.Error.WriteLineAsync("--rounds must be at least 1.");
                return 2;
            }
            var plan = (parse.GetValue(quick) ? LoadPlan.QuickSmoke() : LoadPlan.Full(parse.GetValue(rounds))) with { AuditStreamGrows = parse.GetValue(growingAuditStream) };
            var (otherBuild, otherVariant, otherEnvironment) = (parse.GetValue(compareWith), parse.GetValue(compareVariant), parse.GetValue(compareEnvironment) ?? []);
            var comparing = otherBuild is not null || otherVariant is not null || otherEnvironment.Length > 0;
            if (parse.GetValue(rate) is { } requestsPerSecond && (!comparing || !double.IsFinite(requestsPerSecond) || requestsPerSecond < 1))
            {
                await Console.Error.WriteLineAsync("--rate is a number of requests/s of at least 1, for a comparison (--compare-with, --compare-variant or --compare-env).");
                return 2;
            }
            if (comparing && parse.GetValue(serve))
            {
                await Console.Error.WriteLineAsync("--serve only starts variants and measures nothing; it cannot be combined with --compare-with, --compare-variant or --compare-env.");
                return 2;
            }
            if (comparing)
            {
                var (other, error) = ComparedVariant(otherBuild, otherVariant, otherEnvironment, parse.GetValue(pairs));
                if (other is null)
                {
                    await Console.Error.WriteLineAsync(error);
                    return 2;
                }
                var body = (parse.GetValue(bodies) ?? []) switch
                {
                    [] => LoadBodies.Single,
                    [var name] => LoadBodies.All.FirstOrDefault(b => b.Name == name),
                    _ => null,
                };
                if (body is null)
                {
                    await Console.Error.WriteLineAsync($"A comparison measures one --body: one of {string.Join(", ", LoadBodies.All.Select(b => $"\"{b.Name}\""))} (1 KB when none is given).");
                    return 2;
                }
                return await CompareAsync(plan, other, body, parse.GetValue(pairs), parse.GetValue(rate));
            }
            var onlyVariants = parse.GetValue(variants) ?? [];
            var onlyBodies = parse.GetValue(bodies) ?? [];
            var narrowed = onlyVariants.Length > 0 || onlyBodies.Length > 0;
            if (narrowed)
            {
                if (plan.Only(onlyVariants, onlyBodies) is not { } only)
                {
                    await Console.Error.WriteLineAsync($"Unknown --variant or --body. Variants: {string.Join(", ", LoadVariants.All.Select(v => $"\"{v.Name}\""))}; bodies: {string.Join(", ", LoadBodies.All.Select(b => $"\"{b.Name}\""))}.");
                    return 2;
                }
                plan = only;
            }
            if (parse.GetValue(serve))
            {
                return await ServeAsync(plan, onlyVariants.Length > 0 ? plan.Variants : [LoadVariants.Full, LoadVariants.BareYarp], stop);
            }
            if (parse.GetValue(memoryOnly))
            {
                // No throughput rounds, so no fixed-rate runs either (their rate comes from bare YARP's peak).
                plan = plan with { Rounds = 0 };
            }
            else if (narrowed)
            {
                plan = plan with { MemoryVariants = [], SkipsFixedRate = !parse.GetValue(fixedRate) };
            }
            // A narrowed run is not the whole picture docs/performance.md shows.
            return await RunAsync(plan, parse.GetValue(updateDocs) && !plan.Quick && plan.Rounds > 0 && !narrowed);
        });
        return command.Parse(args).InvokeAsync();
    }

    /// <summary>What this build's full gateway is compared with: another build's full gateway, one of this build's variants, or itself, each with the environment variables given; otherwise no variant and why the comparison options cannot be used as given.</summary>
    private static (LoadVariant? Other, string? Error) ComparedVariant(string? otherBuild, string? otherVariant, string[] otherEnvironment, int pairs)
    {
        if (pairs < 1)
        {
            return (null, "--pairs must be at least 1.");
        }
        if (otherBuild is not null && otherVariant is not null)
        {
            return (null, "--compare-with and --compare-variant cannot be used together.");
        }
        if (otherEnvironment.FirstOrDefault(assignment => assignment.IndexOf('=') <= 0) is { } malformed)
        {
            return (null, $"--compare-env: '{malformed}' is not NAME=VALUE.");
        }
        var assignments = otherEnvironment.Select(assignment => assignment.Split('=', 2)).ToList();
        if (assignments.GroupBy(parts => parts[0]).FirstOrDefault(name => name.Count() > 1) is { } repeated)
        {
            return (null, $"--compare-env: {repeated.Key} is given more than once.");
        }
        var environment = assignments.ToDictionary(parts => parts[0], parts => parts[1]);
        var (other, error) = OtherSide(otherBuild, otherVariant);
        if (other is null || environment.Count == 0)
        {
            return (other, error);
        }
        return other is GatewayVariant gateway
            ? (gateway with
            {
                Name = $"{gateway.Name} with {string.Join(" ", otherEnvironment)}",
                ProcessEnvironment = gateway.ProcessEnvironment.Where(variable => !environment.ContainsKey(variable.Key)).Concat(environment).ToDictionary(),
            }, null)
            : (null, $"--compare-env: \"{other.Name}\" is not the gateway; environment variables apply to a gateway variant only.");
    }

    private static (LoadVariant? Other, string? Error) OtherSide(string? otherBuild, string? otherVariant)
    {
        if (otherBuild is not null)
        {
            var otherDll = Path.GetFullPath(Path.Combine(otherBuild, "Gateway.dll"));
            return File.Exists(otherDll)
                ? (((GatewayVariant)LoadVariants.Full) with { Name = $"the build in {otherBuild}", GatewayDll = otherDll }, null)
                : (null, $"--compare-with: no Gateway.dll in '{otherBuild}'.");
        }
        if (otherVariant is null)
        {
            return (LoadVariants.Full, null);
        }
        var comparable = LoadVariants.All.Where(v => v != LoadVariants.Full).ToList();
        return comparable.FirstOrDefault(v => v.Name == otherVariant) is { } variant
            ? (variant, null)
            : (null, $"--compare-variant: no variant '{otherVariant}' to compare the full gateway with; one of {string.Join(", ", comparable.Select(v => $"\"{v.Name}\""))}.");
    }

    private static async Task<int> CompareAsync(LoadPlan plan, LoadVariant other, LoadBody body, int pairs, double? rate)
    {
        var slice = plan.Quick ? plan.Duration : SideBySideSlice;
        LoadResults results;
        using (var environment = await LoadEnvironment.CreateAsync(plan.AuditStreamGrows))
        {
            results = await new LoadRun(plan, environment, Console.Out).CompareAsync(other, body, pairs, slice, rate);
        }
        Console.WriteLine();
        Console.WriteLine(SideBySideReport.Markdown(results, other.Name, body, slice, rate, plan.AuditStreamGrows));
        return results.Problems.Count == 0 && results.Comparison.Count == 2 * pairs ? 0 : 1;
    }

    private static async Task<int> ServeAsync(LoadPlan plan, IReadOnlyList<LoadVariant> served, CancellationToken stop)
    {
        using var environment = await LoadEnvironment.CreateAsync(plan.AuditStreamGrows);
        var run = new LoadRun(plan, environment, Console.Out);
        var results = await run.ServeAsync(served, stop);
        return results.Problems.Count == 0 ? 0 : 1;
    }

    /// <summary>Long enough for thousands of requests, short enough that the machine's drift within a pair stays small.</summary>
    private static readonly TimeSpan SideBySideSlice = TimeSpan.FromSeconds(5);

    private static async Task<int> RunAsync(LoadPlan plan, bool updateDocs)
    {
        var output = Directory.CreateDirectory(Path.Combine("BenchmarkDotNet.Artifacts", "load")).FullName;
        LoadResults results;
        using (var environment = await LoadEnvironment.CreateAsync(plan.AuditStreamGrows))
        {
            results = await new LoadRun(plan, environment, Console.Out).RunAsync();
        }
        var markdown = LoadReport.Markdown(plan, results);
        var chart = Path.Combine(output, "load-throughput.png");
        await File.WriteAllTextAsync(Path.Combine(output, "load-report.md"), markdown);
        LoadChart.Save(plan, results, chart);
        Console.WriteLine();
        Console.WriteLine(markdown);
        Console.WriteLine($"Report and chart: {output}");
        if (updateDocs)
        {
            PerformanceDoc.Update(markdown, chart);
        }
        return results.Problems.Count == 0 ? 0 : 1;
    }
}
