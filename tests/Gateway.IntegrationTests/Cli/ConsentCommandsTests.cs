using System.CommandLine;
using Gateway.Cli.Commands;
using Gateway.IntegrationTests.Infrastructure;
using static Gateway.IntegrationTests.Consent.ConsentSetup;

namespace Gateway.IntegrationTests.Cli;

/// <summary>gatewayctl consent against a real gateway's admin port (TLS checked against the test CA) and a real redis-server.</summary>
public sealed class ConsentCommandsTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private readonly string _tokenFile = WriteTemp(AdminToken);

    [Fact]
    public async Task Set_show_and_withdraw_change_what_the_gateway_lets_through()
    {
        using var crm = StartCrm();
        await using var gateway = await ConsentGateway(crm.Url!, redis.Configuration, $"consent:{Guid.NewGuid():N}").StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        var (setCode, setOutput, setError) = await RunAsync(gateway, "consent", "set", "c-2", "marketing", "--source", "call-centre", "--expires", "2030-01-01T00:00:00Z");
        Assert.True(setCode == 0, setError);
        Assert.Contains("Consent recorded", setOutput);
        Assert.Equal(["c-2"], await ListedIdsAsync(await GetAsync(client, gateway.Url("/api/contacts"), Token("marketing"))));

        var (showCode, showOutput, _) = await RunAsync(gateway, "consent", "show", "c-2");
        Assert.Equal(0, showCode);
        Assert.Contains("marketing", showOutput);
        Assert.Contains("granted", showOutput);
        Assert.Contains("call-centre", showOutput);

        Assert.Equal(0, (await RunAsync(gateway, "consent", "withdraw", "c-2", "marketing")).ExitCode);
        Assert.Empty(await ListedIdsAsync(await GetAsync(client, gateway.Url("/api/contacts"), Token("marketing"))));

        var (refusedCode, _, refusedError) = await RunAsync(gateway, "consent", "set", "c-2", "no-such-purpose");
        Assert.Equal(1, refusedCode);
        Assert.Contains("purpose_unknown", refusedError);
    }

    [Fact]
    public async Task Import_checks_the_whole_file_first_then_imports_it()
    {
        using var crm = StartCrm();
        await using var gateway = await ConsentGateway(crm.Url!, redis.Configuration, $"consent:{Guid.NewGuid():N}").StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        var bad = WriteTemp("subject,purpose,status,at,source,expires\nc-1,marketing,granted,2020-05-01T00:00:00Z,\"register, 2019\",\nc-3,marketing,perhaps,,,\nc-4,marketing,granted,yesterday,,\n");
        var good = WriteTemp("subject,purpose,status,at,source,expires\nc-1,marketing,granted,2020-05-01T00:00:00Z,\"register, 2019\",\nc-3,marketing,granted,,,2031-01-01T00:00:00Z\nc-2,marketing,withdrawn,,,\n");
        try
        {
            var (badCode, _, badError) = await RunAsync(gateway, "consent", "import", bad);
            Assert.Equal(1, badCode);
            Assert.Contains("line 3: status", badError);
            Assert.Contains("line 4: at 'yesterday'", badError);
            Assert.Empty(await ListedIdsAsync(await GetAsync(client, gateway.Url("/api/contacts"), Token("marketing"))));

            var (goodCode, goodOutput, _) = await RunAsync(gateway, "consent", "import", good);
            Assert.Equal(0, goodCode);
            Assert.Contains("Imported 3 rows", goodOutput);
            Assert.Equal(["c-1", "c-3"], await ListedIdsAsync(await GetAsync(client, gateway.Url("/api/contacts"), Token("marketing"))));
            var (_, shown, _) = await RunAsync(gateway, "consent", "show", "c-1");
            Assert.Contains("register, 2019", shown);
        }
        finally
        {
            File.Delete(bad);
            File.Delete(good);
        }
    }

    public void Dispose() => File.Delete(_tokenFile);

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(GatewayUnderTest gateway, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] connection = ["--admin-url", gateway.AdminUrl("/").ToString(), "--token-file", _tokenFile, "--ca-file", TestPki.Shared.CaPath];
        var exitCode = await GatewayCtl.InvokeAsync([.. args, .. connection], new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    private static string WriteTemp(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"gatewayctl-{Guid.NewGuid():N}");
        File.WriteAllText(path, content);
        return path;
    }
}
