namespace Gateway.Benchmarks.Load;

/// <summary>A response the load benchmark asks for: its name in tables, and how many demo-CRM contacts it holds.</summary>
internal sealed record LoadBody(string Name, int Records, bool IsSingleRecord, string PathAndQuery);

internal static class LoadBodies
{
    public static readonly LoadBody Single = new("1 KB", 1, IsSingleRecord: true, "/api/contacts/one");

    public static readonly LoadBody List100K = new("100 KB", 150, IsSingleRecord: false, "/api/contacts?body=100+KB");

    public static readonly LoadBody List10M = new("10 MB", 15_000, IsSingleRecord: false, "/api/contacts?body=10+MB");

    public static IReadOnlyList<LoadBody> All { get; } = [Single, List100K, List10M];

    /// <summary>Every contact id any body holds: the benchmark's consent store grants all of them.</summary>
    public static IEnumerable<string> SubjectIds => Enumerable.Range(1, List10M.Records).Select(i => $"c-{i:00000}");
}
