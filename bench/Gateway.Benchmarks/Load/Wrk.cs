using System.Globalization;
using System.Text.Json;

namespace Gateway.Benchmarks.Load;

/// <summary>wrk at a fixed number of connections (closed loop: as fast as the target answers).</summary>
internal static class Wrk
{
    // wrk prints its own report; this adds one JSON line with what the tables need.
    private const string ReportScript = """
        done = function(summary, latency, requests)
          local e = summary.errors
          io.write(string.format('{"requests":%d,"duration_us":%d,"failures":%d,"p50_us":%d,"p99_us":%d}\n',
            summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
            latency:percentile(50), latency:percentile(99)))
        end
        """;

    public static async Task<ClientResult> RunAsync(string url, string? token, int connections, TimeSpan duration, string scratch)
    {
        var script = Path.Combine(scratch, "wrk-report.lua");
        if (!File.Exists(script))
        {
            await File.WriteAllTextAsync(script, ReportScript);
        }
        List<string> arguments =
        [
            "-t", Math.Min(2, connections).ToString(CultureInfo.InvariantCulture),
            "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{Math.Max(1, (int)duration.TotalSeconds)}s",
            "--timeout", "60s",
            "-s", script,
        ];
        if (token is not null)
        {
            arguments.AddRange(["-H", $"Authorization: Bearer {token}"]);
        }
        arguments.Add(url);
        var output = await ToolProcess.RunToEndAsync("wrk", arguments);
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith('{'))
            ?? throw new InvalidOperationException($"wrk printed no report:{Environment.NewLine}{output}");
        using var report = JsonDocument.Parse(line);
        var root = report.RootElement;
        return new ClientResult(
            root.GetProperty("requests").GetInt64(),
            root.GetProperty("duration_us").GetInt64() / 1e6,
            root.GetProperty("failures").GetInt64(),
            root.GetProperty("p50_us").GetInt64() / 1000.0,
            root.GetProperty("p99_us").GetInt64() / 1000.0);
    }
}
