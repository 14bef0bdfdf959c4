using System.CommandLine;

namespace Gateway.Benchmarks.Load;

/// <summary>
/// <c>load [--quick] [--rounds N] [--update-docs] [--memory-only]</c>: the end-to-end load benchmark. Writes its
/// report and chart to BenchmarkDotNet.Artifacts/load/ (and, with --update-docs, into
/// docs/performance.md). Exit code 1 when a variant failed requests or answered wrongly.
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
        var command = new RootCommand("End-to-end load benchmark: upstream direct, nginx, bare YARP and the gateway with each stage on and off.")
        {
            quick, rounds, updateDocs, memoryOnly,
        };
        command.SetAction(async (parse, _) =>
        {
            if (parse.GetValue(rounds) < 1)
            {
                await Console.Error.WriteLineAsync("--rounds must be at least 1.");
                return 2;
            }
            var plan = parse.GetValue(quick) ? LoadPlan.QuickSmoke() : LoadPlan.Full(parse.GetValue(rounds));
            if (parse.GetValue(memoryOnly))
            {
                // No throughput rounds, so no fixed-rate runs either (their rate comes from bare YARP's peak).
                plan = plan with { Rounds = 0 };
            }
            return await RunAsync(plan, parse.GetValue(updateDocs) && !plan.Quick && plan.Rounds > 0);
        });
        return command.Parse(args).InvokeAsync();
    }

    private static async Task<int> RunAsync(LoadPlan plan, bool updateDocs)
    {
        var output = Directory.CreateDirectory(Path.Combine("BenchmarkDotNet.Artifacts", "load")).FullName;
        LoadResults results;
        using (var environment = await LoadEnvironment.CreateAsync())
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
