using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Gateway.Benchmarks;

/// <summary>The BenchmarkDotNet benchmarks, with an exit code that says whether every selected one ran.</summary>
internal static class MicroBenchmarks
{
    public const string Name = "micro";

    /// <summary>
    /// BenchmarkDotNet builds each benchmark in a project of its own, and looks for this project's
    /// file under the current directory. Started from outside the repository it found none (or
    /// another checkout's), reported every benchmark as NA, and still exited 0. So it runs from the
    /// repository's root, and writes its results where it was started, as before.
    /// </summary>
    public static int Run(string[] args)
    {
        var config = DefaultConfig.Instance.WithArtifactsPath(Path.Combine(Environment.CurrentDirectory, "BenchmarkDotNet.Artifacts"));
        if (RepositoryRoot.Find() is { } root)
        {
            Environment.CurrentDirectory = root;
        }
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args, config);
        return summaries.Any(Failed) ? 1 : 0;
    }

    private static bool Failed(Summary summary) =>
        summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.BuildResult.IsBuildSuccess || report.AllMeasurements.Count == 0);
}
