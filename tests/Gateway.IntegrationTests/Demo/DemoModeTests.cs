using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Gateway.Demo;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Demo;

public sealed class DemoModeTests : IAsyncLifetime
{
    private readonly string _workspace = Directory.CreateTempSubdirectory("gateway-demo-").FullName;
    private readonly int _proxyPort = FreePort.Next();
    private readonly int _adminPort = FreePort.Next();
    private DemoMode _demo = null!;

    public async Task InitializeAsync() => _demo = await DemoMode.StartAsync(_workspace,
    [
        $"--Gateway:Transport:Proxy:Port={_proxyPort}",
        $"--Gateway:Transport:Admin:Port={_adminPort}",
        "--Logging:LogLevel:Default=Warning",
    ], TimeProvider.System);

    public async Task DisposeAsync()
    {
        await _demo.DisposeAsync();
        Directory.Delete(_workspace, recursive: true);
    }

    [Fact]
    public async Task PrintedCurlCommand_ForEachRole_ReturnsContactsThroughTheGateway()
    {
        var commands = _demo.Banner.Split('\n').Where(line => line.StartsWith("curl ", StringComparison.Ordinal) && !line.Contains("-X PATCH", StringComparison.Ordinal)).ToList();

        Assert.Equal(DemoTokenIssuer.Roles.Count, commands.Count);
        foreach (var command in commands)
        {
            Assert.Contains($"https://localhost:{_proxyPort}/api/contacts", command);
            var (exitCode, output) = await BashAsync(command + " --silent --show-error --fail");
            Assert.True(exitCode == 0, output);
            using var body = JsonDocument.Parse(output);
            Assert.Equal(2, body.RootElement.GetProperty("data").GetArrayLength());
            Assert.Equal(200, body.RootElement.GetProperty("paging").GetProperty("total").GetInt32());
        }
    }

    [Fact]
    public async Task PrintedWriteCommands_OneIsAllowed_TheOtherRefusedNamingTheField()
    {
        var commands = _demo.Banner.Split('\n').Where(line => line.StartsWith("curl ", StringComparison.Ordinal) && line.Contains("-X PATCH", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, commands.Count);
        var (allowedExit, allowed) = await BashAsync(commands[0] + " --silent --show-error --fail");
        Assert.True(allowedExit == 0, allowed);
        // The updated contact comes back masked for the support agent: the new number's last four digits.
        Assert.Contains("0100\"", allowed);
        var (_, refused) = await BashAsync(commands[1] + " --silent --show-error -w ' %{http_code}'");
        Assert.Contains("\"code\":\"field_not_writable\"", refused);
        Assert.Contains("$.ssn", refused);
        Assert.EndsWith(" 403", refused.Trim());
    }

    [Fact]
    public async Task PrintedConsoleToken_OpensEveryViewOfThePrintedConsole()
    {
        Assert.Contains($"https://localhost:{_adminPort}/console/", _demo.Banner);
        var token = File.ReadAllText(Path.Combine(_workspace, "tokens", "security-team.jwt")).Trim();
        var ca = Path.Combine(_workspace, "tls", "ca.crt");

        var (exitCode, output) = await BashAsync($"curl --silent --fail --cacert '{ca}' -H 'Authorization: Bearer {token}' 'https://localhost:{_adminPort}/console/api/me'");

        Assert.True(exitCode == 0, output);
        using var me = JsonDocument.Parse(output);
        Assert.Equal(["playground", "datamap", "processing", "audit"], me.RootElement.GetProperty("views").EnumerateArray().Select(v => v.GetString()));
    }

    [Theory]
    [InlineData("support-agent", "\"ssn\":\"[REDACTED]\"", "195-33-7518")]
    [InlineData("support-agent", "\"email\":\"m***@example.com\"", "margaret.turing1")]
    [InlineData("support-agent", "\"address\":{\"street\":\"[REDACTED]\",\"city\":\"Lakeside\",\"postcode\":\"83271\",\"country\":\"GB\"}", "Analytical Way")]
    [InlineData("marketing-analyst", "\"email\":\"h:", "\"ssn\"")]
    [InlineData("compliance-officer", "\"ssn\":\"195-33-7518\"", "[REDACTED]")]
    [InlineData("consent-admin", "\"firstName\":\"Margaret\"", "195-33-7518")]
    public async Task EachDemoRole_SeesTheDemoCrmMaskedByItsRules(string role, string expected, string absent)
    {
        var token = File.ReadAllText(Path.Combine(_workspace, "tokens", $"{role}.jwt")).Trim();
        var ca = Path.Combine(_workspace, "tls", "ca.crt");

        var (exitCode, output) = await BashAsync($"curl --silent --fail --cacert '{ca}' -H 'Authorization: Bearer {token}' 'https://localhost:{_proxyPort}/api/contacts/c-00001'");

        Assert.True(exitCode == 0, output);
        Assert.Contains(expected, output);
        Assert.DoesNotContain(absent, output);
    }

    [Fact]
    public async Task Request_WithoutTheDemoToken_Gets401()
    {
        var ca = Path.Combine(_workspace, "tls", "ca.crt");

        var (_, output) = await BashAsync($"curl --silent --cacert '{ca}' -o /dev/null -w '%{{http_code}}' 'https://localhost:{_proxyPort}/api/contacts'");

        Assert.Equal("401", output.Trim());
    }

    [Fact]
    public void Workspace_HoldsTokensKeysAndCertificates()
    {
        foreach (var role in DemoTokenIssuer.Roles)
        {
            var token = File.ReadAllText(Path.Combine(_workspace, "tokens", $"{role.Name}.jwt")).Trim();
            var payload = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(token.Split('.')[1])).RootElement;
            Assert.Equal(role.Name, payload.GetProperty("roles")[0].GetString());
            var lifetime = payload.GetProperty("exp").GetInt64() - payload.GetProperty("iat").GetInt64();
            Assert.Equal(8 * 3600, lifetime);
        }
        Assert.Contains("\"kty\": \"RSA\"", File.ReadAllText(Path.Combine(_workspace, "signing", "jwks.json")));
        Assert.DoesNotContain("\"d\"", File.ReadAllText(Path.Combine(_workspace, "signing", "jwks.json")));
        Assert.True(File.Exists(Path.Combine(_workspace, "tls", "ca.crt")));
    }

    [Fact]
    public async Task DemoCrm_CalledDirectlyWithoutTheCredential_Refuses()
    {
        var crmLine = _demo.Banner.Split('\n').Single(line => line.Contains("demo CRM", StringComparison.Ordinal));
        var crmUrl = crmLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
        var ca = Path.Combine(_workspace, "tls", "ca.crt");

        var (_, output) = await BashAsync($"curl --silent --cacert '{ca}' -o /dev/null -w '%{{http_code}}' '{crmUrl}api/contacts'");

        Assert.Equal("401", output.Trim());
    }

    [Fact]
    public async Task SecondStart_ReusesCaAndSigningKey()
    {
        var ca = File.ReadAllText(Path.Combine(_workspace, "tls", "ca.crt"));
        var jwks = File.ReadAllText(Path.Combine(_workspace, "signing", "jwks.json"));

        await using (await DemoMode.StartAsync(_workspace, [$"--Gateway:Transport:Proxy:Port={FreePort.Next()}", $"--Gateway:Transport:Admin:Port={FreePort.Next()}", "--Logging:LogLevel:Default=Warning"], TimeProvider.System))
        {
        }

        Assert.Equal(ca, File.ReadAllText(Path.Combine(_workspace, "tls", "ca.crt")));
        Assert.Equal(jwks, File.ReadAllText(Path.Combine(_workspace, "signing", "jwks.json")));
    }

    [Fact]
    public async Task AdminReadyz_InDemo_IsReady()
    {
        var adminLine = _demo.Banner.Split('\n').Single(line => line.Contains("/healthz", StringComparison.Ordinal));
        var healthz = adminLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var ca = Path.Combine(_workspace, "tls", "ca.crt");

        var (exitCode, output) = await BashAsync($"curl --silent --fail --cacert '{ca}' '{healthz.Replace("/healthz", "/readyz", StringComparison.Ordinal)}'");

        Assert.True(exitCode == 0, output);
        Assert.StartsWith("{\"status\":\"Healthy\"", output);
    }

    [Fact]
    public async Task CommandLineRedisOverride_IsUsedByTheDemo()
    {
        var redis = new RedisServerFixture();
        await redis.InitializeAsync();
        try
        {
            var adminPort = FreePort.Next();
            await using var demo = await DemoMode.StartAsync(_workspace,
            [
                $"--Gateway:Transport:Proxy:Port={FreePort.Next()}",
                $"--Gateway:Transport:Admin:Port={adminPort}",
                $"--Gateway:Redis:Configuration={redis.Configuration}",
                "--Logging:LogLevel:Default=Warning",
            ], TimeProvider.System);
            var ca = Path.Combine(_workspace, "tls", "ca.crt");

            var output = await Eventually.ValueAsync(
                async () => (await BashAsync($"curl --silent --cacert '{ca}' 'https://localhost:{adminPort}/readyz'")).Output,
                answer => answer.Contains("\"name\":\"redis\",\"status\":\"Healthy\"", StringComparison.Ordinal));

            Assert.Contains("\"name\":\"redis\",\"status\":\"Healthy\"", output);
        }
        finally
        {
            await redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task WithRedis_TheReadmesCrawlLoop_EndsInRecordsQuotaRefusals()
    {
        var redis = new RedisServerFixture();
        await redis.InitializeAsync();
        try
        {
            var proxyPort = FreePort.Next();
            var adminPort = FreePort.Next();
            await using var demo = await DemoMode.StartAsync(_workspace,
            [
                $"--Gateway:Transport:Proxy:Port={proxyPort}",
                $"--Gateway:Transport:Admin:Port={adminPort}",
                $"--Gateway:Redis:Configuration={redis.Configuration}",
                "--Logging:LogLevel:Default=Warning",
            ], TimeProvider.System);
            Assert.Contains("quotas     marketing-analyst: 50 records", demo.Banner);
            var ca = Path.Combine(_workspace, "tls", "ca.crt");
            // Until Redis answers, budgets cannot be checked (503 quota_unavailable): wait until ready, as a user would.
            var ready = await Eventually.ValueAsync(async () => (await BashAsync($"curl --silent --cacert '{ca}' 'https://localhost:{adminPort}/readyz'")).Item2,
                answer => answer.Contains("\"name\":\"redis\",\"status\":\"Healthy\"", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
            Assert.Contains("\"name\":\"redis\",\"status\":\"Healthy\"", ready);
            var token = Path.Combine(_workspace, "tokens", "marketing-analyst.jwt");

            var (exitCode, output) = await BashAsync($$"""
                T=$(cat '{{token}}')
                for i in $(seq 1 8); do
                  curl -s -o /dev/null -w '%{http_code} ' --cacert '{{ca}}'                     -H "Authorization: Bearer $T" "https://localhost:{{proxyPort}}/api/contacts?page=$(( (i - 1) % 2 + 1 ))&pageSize=10"
                done
                """);

            Assert.Equal(0, exitCode);
            Assert.Equal("200 200 200 200 200 429 429 429", output.Trim());
            (_, output) = await BashAsync($"curl -s -i --cacert '{ca}' -H \"Authorization: Bearer $(cat '{token}')\" 'https://localhost:{proxyPort}/api/contacts?pageSize=1'");
            Assert.Contains("quota_records_exceeded", output);
            Assert.Matches("(?im)^retry-after: [1-9][0-9]*", output);
        }
        finally
        {
            await redis.DisposeAsync();
        }
    }

    private static async Task<(int ExitCode, string Output)> BashAsync(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await stdout + await stderr);
    }
}
