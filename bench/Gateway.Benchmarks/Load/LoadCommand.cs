using System.CommandLine;

namespace Gateway.Benchmarks.Load;

/// <summary>
/// <c>load [--quick] [--rounds N] [--variant NAME]... [--body NAME]...</c>: the end-to-end load
/// benchmark of docs/performance.md. Writes its report and chart to BenchmarkDotNet.Artifacts/load/
/// under the current directory. Exit code 1 when a variant failed requests or answered wrongly,
/// 2 when the command line or the machine cannot run it.
/// </summary>
internal static class LoadCommand
{
    public const string Name = "load";

    /// <summary>wrk and h2load load the variants; redis-server takes the audit events and holds the consent store.</summary>
    private static readonly string[] Tools = ["wrk", "h2load", "redis-server"];

    public static Task<int> RunAsync(string[] args)
    {
        var quick = new Option<bool>("--quick") { Description = "A smoke run of under a minute (CI): every variant starts, answers correctly and serves every part of the run; its numbers mean nothing." };
        var rounds = new Option<int>("--rounds") { Description = "How many rounds: in each, every variant is measured once, in turn.", DefaultValueFactory = _ => LoadPlan.DefaultRounds };
        var variants = new Option<string[]>("--variant")
        {
            Description = "Only this variant (repeatable; the first is the baseline the others are compared with): \"bare YARP\", \"full gateway\", \"full - identity\", \"full - masking\", \"full - consent\" or \"full - audit\", optionally followed by \" with VAR=VALUE ...\" for environment variables of that variant's process alone, e.g. \"full gateway with DOTNET_GCgen0size=0\". Default: all six, bare YARP first.",
            Arity = ArgumentArity.OneOrMore,
        };
        var bodies = new Option<string[]>("--body")
        {
            Description = "Only this body (repeatable): \"1 KB\" (throughput, then latency at half of the baseline's peak), \"100 KB\" (throughput) or \"10 MB\" (memory with 50 in flight). Default: all three.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new RootCommand("End-to-end load benchmark: bare YARP and the gateway with each stage on and off, side by side on loopback.")
        {
            quick, rounds, variants, bodies,
        };
        command.SetAction(async parse =>
        {
            if (parse.GetValue(rounds) < 1)
            {
                return await FailAsync("--rounds must be at least 1.");
            }
            var chosen = new List<LoadVariant>();
            foreach (var specification in parse.GetValue(variants) is { Length: > 0 } named ? named : LoadVariant.All.Select(v => v.Name))
            {
                var (variant, error) = LoadVariant.Parse(specification);
                if (variant is null)
                {
                    return await FailAsync($"--variant: {error}");
                }
                chosen.Add(variant);
            }
            if (chosen.GroupBy(v => v.Name).FirstOrDefault(g => g.Count() > 1) is { } repeated)
            {
                return await FailAsync($"--variant: \"{repeated.Key}\" is given more than once.");
            }
            var bodyNames = parse.GetValue(bodies) is { Length: > 0 } given ? given : [.. LoadBodies.All.Select(b => b.Name)];
            if (bodyNames.FirstOrDefault(name => LoadBodies.All.All(b => b.Name != name)) is { } unknown)
            {
                return await FailAsync($"--body: no body '{unknown}'; one of {string.Join(", ", LoadBodies.All.Select(b => $"\"{b.Name}\""))}.");
            }
            if (Tools.FirstOrDefault(tool => !OnPath(tool)) is { } missing)
            {
                return await FailAsync($"{missing} is not installed. The load benchmark needs wrk, h2load and redis-server: sudo apt-get install -y wrk nghttp2-client redis-server");
            }
            var chosenBodies = LoadBodies.All.Where(b => bodyNames.Contains(b.Name)).ToList();
            var plan = parse.GetValue(quick)
                ? LoadPlan.QuickSmoke(chosen, chosenBodies)
                : LoadPlan.Full(parse.GetValue(rounds), chosen, chosenBodies);
            return await RunAsync(plan);
        });
        return command.Parse(args).InvokeAsync();
    }

    private static async Task<int> RunAsync(LoadPlan plan)
    {
        var output = Directory.CreateDirectory(Path.Combine("BenchmarkDotNet.Artifacts", "load")).FullName;
        LoadResults results;
        using (var environment = await LoadEnvironment.CreateAsync())
        {
            results = await new LoadRun(plan, environment, Console.Out).RunAsync();
        }
        var markdown = LoadReport.Markdown(plan, results);
        await File.WriteAllTextAsync(Path.Combine(output, "load-report.md"), markdown);
        if (plan.ThroughputBodies.Any())
        {
            LoadChart.Save(plan, results, Path.Combine(output, "load-throughput.png"));
        }
        Console.WriteLine();
        Console.WriteLine(markdown);
        Console.WriteLine($"Report and chart: {output}");
        return results.Problems.Count == 0 ? 0 : 1;
    }

    private static async Task<int> FailAsync(string message)
    {
        await Console.Error.WriteLineAsync(message);
        return 2;
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(directory => File.Exists(Path.Combine(directory, tool)));
}
