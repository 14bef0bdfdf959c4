using System.Globalization;
using Gateway.Benchmarks.Audit;
using Gateway.Detector;
using Gateway.Detector.Evaluation;
using StackExchange.Redis;

namespace Gateway.Benchmarks.Detector;

/// <summary>
/// <c>detect-eval [--seed N] [--principals N] [--incidents N] [--alerts]</c>: the detector's evaluation (docs/alerts.md), a
/// seeded working week with injected incidents through the real detector and a real redis-server.
/// <c>detect-throughput [--seed N] [--principals N]</c>: audit events per second the detector reads,
/// scores and acknowledges (docs/performance.md).
/// </summary>
internal static class DetectorCommands
{
    public const string Evaluate = "detect-eval";
    public const string Throughput = "detect-throughput";

    public static async Task<int> RunAsync(string command, string[] args)
    {
        var seed = Argument(args, "--seed", 7);
        var principals = Argument(args, "--principals", 60);
        using var server = new LocalRedisServer();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        var incidents = Argument(args, "--incidents", 1);
        var workload = Workload.Generate(new WorkloadSettings(seed, principals, IncidentsPerKind: incidents));
        var run = new EvaluationRun(redis, "eval", TimeProvider.System);
        if (command == Evaluate)
        {
            var report = await run.RunAsync(workload, DemoLikeOptions(), CancellationToken.None);
            Console.WriteLine($"detect-eval --seed {seed} --principals {principals} --incidents {incidents}");
            Console.Write(report.Format());
            if (args.Contains("--alerts"))
            {
                Console.WriteLine("every alert:");
                foreach (var alert in report.AllAlerts)
                {
                    Console.WriteLine($"  {alert}");
                }
            }
            return report.AllDetected ? 0 : 1;
        }
        var throughput = await run.ThroughputAsync(workload, DemoLikeOptions(), CancellationToken.None);
        Console.WriteLine($"detect-throughput --seed {seed} --principals {principals}: {throughput.Format()}");
        return 0;
    }

    /// <summary>The default settings, with the demo's containment policy (tighten at 70, suspend at 85).</summary>
    private static DetectorOptions DemoLikeOptions() => new()
    {
        Containment = new ContainmentOptions
        {
            Rules =
            [
                new ContainmentRule { MinScore = 70, Action = "tighten", Factor = 0.1, Duration = TimeSpan.FromMinutes(15) },
                new ContainmentRule { MinScore = 85, Action = "suspend", Duration = TimeSpan.FromMinutes(15) },
            ],
        },
    };

    private static int Argument(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }
}
