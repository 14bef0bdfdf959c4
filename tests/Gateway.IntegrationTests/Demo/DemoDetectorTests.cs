using System.Diagnostics;
using System.Text.Json;
using Gateway.Demo;
using Gateway.Detector;
using Gateway.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Demo;

/// <summary>
/// The README's detector demo: with Redis, --demo runs the detector in process with containment
/// on, and the support agent paging through every contact ends in an alert on gateway:alerts and
/// then refusals.
/// </summary>
public sealed class DemoDetectorTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private readonly string _workspace = Directory.CreateTempSubdirectory("gateway-demo-").FullName;
    private readonly int _proxyPort = FreePort.Next();
    private DemoMode _demo = null!;

    public async Task InitializeAsync() => _demo = await DemoMode.StartAsync(_workspace,
    [
        $"--Gateway:Transport:Proxy:Port={_proxyPort}",
        $"--Gateway:Transport:Admin:Port={FreePort.Next()}",
        $"--Gateway:Redis:Configuration={redis.Configuration}",
        "--Logging:LogLevel:Default=Warning",
    ], TimeProvider.System);

    public async Task DisposeAsync()
    {
        await _demo.DisposeAsync();
        Directory.Delete(_workspace, recursive: true);
    }

    [Fact]
    public async Task SupportAgentPagingThroughEveryContact_EndsInAnAlert_ThenRefusals()
    {
        Assert.Contains("detector   in process, containment on", _demo.Banner);
        var ca = Path.Combine(_workspace, "tls", "ca.crt");
        var tokenFile = Path.Combine(_workspace, "tokens", "support-agent.jwt");
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var database = connection.GetDatabase();
        // The in-process detector reads new events only: its group must exist before the first page.
        await PollAsync(async () => (await database.KeyExistsAsync("gateway:audit")) && (await database.StreamGroupInfoAsync("gateway:audit")).Any(g => g.Name == "detector"));

        // The README's loop.
        var (exitCode, output) = await BashAsync($$"""
            TOKEN=$(cat '{{tokenFile}}')
            for page in $(seq 1 20); do
              curl -s -o /dev/null -w "page $page: %{http_code}\n" --cacert '{{ca}}' -H "Authorization: Bearer $TOKEN" "https://localhost:{{_proxyPort}}/api/contacts?page=$page&pageSize=10"
            done
            """);
        Assert.True(exitCode == 0, output);
        Assert.Contains("page 1: 200", output);

        StreamEntry[] alerts = [];
        await PollAsync(async () => (alerts = await database.StreamRangeAsync("gateway:alerts")).Length > 0);
        using var finding = JsonDocument.Parse((string)alerts[0][AlertStore.AlertField]!);
        Assert.Equal("demo-support-agent", finding.RootElement.GetProperty("actor").GetProperty("user").GetProperty("uid").GetString());
        Assert.Equal("suspend", finding.RootElement.GetProperty("unmapped").GetProperty("containment").GetProperty("action").GetString());
        var status = "";
        await PollAsync(async () =>
        {
            (_, status) = await BashAsync($"curl -s -o /dev/null -w '%{{http_code}}' --cacert '{ca}' -H \"Authorization: Bearer $(cat '{tokenFile}')\" 'https://localhost:{_proxyPort}/api/contacts?page=1&pageSize=10'");
            return status == "401";
        });
        var compliance = File.ReadAllText(Path.Combine(_workspace, "tokens", "compliance-officer.jwt")).Trim();
        (_, status) = await BashAsync($"curl -s -o /dev/null -w '%{{http_code}}' --cacert '{ca}' -H 'Authorization: Bearer {compliance}' 'https://localhost:{_proxyPort}/api/contacts/c-00001'");
        Assert.Equal("200", status);
    }

    private static Task PollAsync(Func<Task<bool>> condition) => Eventually.UntilAsync(condition, "condition not met before the deadline", TimeSpan.FromSeconds(30));

    private static async Task<(int ExitCode, string Output)> BashAsync(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout + await stderr);
    }
}
