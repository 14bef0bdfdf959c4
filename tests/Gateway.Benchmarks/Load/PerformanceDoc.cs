namespace Gateway.Benchmarks.Load;

/// <summary>Replaces the generated part of docs/performance.md's load section (between its two markers) and the chart beside it.</summary>
internal static class PerformanceDoc
{
    private const string Begin = "<!-- load-benchmark:begin (written by the load benchmark with --update-docs) -->";
    private const string End = "<!-- load-benchmark:end -->";

    public static void Update(string markdown, string chart)
    {
        var docs = Path.Combine(RepositoryRoot.Find() ?? throw new InvalidOperationException("This build is not inside the repository, so there is no docs/performance.md to update."), "docs");
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
}
