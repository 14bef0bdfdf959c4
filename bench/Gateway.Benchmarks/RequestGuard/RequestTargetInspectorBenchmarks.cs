using BenchmarkDotNet.Attributes;
using Gateway.RequestGuard;

namespace Gateway.Benchmarks.RequestGuard;

/// <summary>The guard inspects every request's raw target: it must cost well under a microsecond and allocate nothing.</summary>
[MemoryDiagnoser]
public class RequestTargetInspectorBenchmarks
{
    [Params(
        "/api/contacts?page=2&pageSize=50",
        "/services/data/v59.0/query?q=SELECT+Id+FROM+Contact",
        "/api/contacts/by-email/ada%40example.com/M%C3%BCller",
        "/api/contacts%2F..%2Fadmin")]
    public string Target { get; set; } = string.Empty;

    [Benchmark]
    public string? Inspect() => RequestTargetInspector.Inspect(Target);
}
