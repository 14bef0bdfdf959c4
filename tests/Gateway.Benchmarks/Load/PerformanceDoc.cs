namespace Gateway.Benchmarks.Load;

/// <summary>Replaces the generated part of docs/performance.md's load section (between its two markers) and the chart beside it.</summary>
internal static class PerformanceDoc
{
    private const string Begin = "<!-- load-benchmark:begin (written by the load benchmark with --update-docs) -->";
    private const string End = "<!-- load-benchmark:end -->";

    public static void Update(string markdown, string chart)
    {
        var docs = Path.Combine(RepositoryRoot(), "docs");
        var path = Path.Combine(docs, "performance.md");
        var text = File.ReadAllText(path);
        var begin = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw new InvalidOperationException($"{path} has no load-benchmark markers; add them where the results belong.");
        }
        File.WriteAllText(path, text[..(begin + Begin.Length)] + Environment.NewLine + markdown + text[end..]);
        File.Copy(chart, Path.Combine(docs, "images", "load-throughput.png"), overwrite: true);
        Console.WriteLine($"Updated {path}");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Run from inside the repository to update docs/performance.md.");
    }
}
