using System.CommandLine;
using Gateway.Cli.Commands;

namespace Gateway.IntegrationTests.Cli;

public sealed class GatewayCtlTests
{
    [Fact]
    public async Task Help_ListsEveryCommandGroupAndExitsZero()
    {
        var (exitCode, output, _) = await RunAsync("--help");

        Assert.Equal(0, exitCode);
        foreach (var command in new[] { "rules", "audit", "consent", "revoke", "unrevoke" })
        {
            Assert.Contains(command, output);
        }
    }

    [Fact]
    public async Task GroupHelp_ListsSubcommands()
    {
        var (exitCode, output, _) = await RunAsync("audit", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("verify", output);
        Assert.Contains("subject", output);
    }

    [Fact]
    public async Task ConsentCommand_WithoutAToken_SaysHowToGiveOne()
    {
        var (exitCode, _, error) = await RunAsync("consent", "show", "c-1", "--token-file", "/nonexistent/token");

        Assert.Equal(2, exitCode);
        Assert.Contains("does not exist", error);
    }

    [Fact]
    public async Task UnknownCommand_FailsWithError()
    {
        var (exitCode, _, error) = await RunAsync("frobnicate");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("frobnicate", error);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await GatewayCtl.InvokeAsync(args, new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
