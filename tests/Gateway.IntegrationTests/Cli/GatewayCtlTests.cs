using System.CommandLine;
using Gateway.Cli.Commands;

namespace Gateway.IntegrationTests.Cli;

public sealed class GatewayCtlTests
{
    [Fact]
    public void Help_ListsEveryCommandGroupAndExitsZero()
    {
        var (exitCode, output, _) = Run("--help");

        Assert.Equal(0, exitCode);
        foreach (var command in new[] { "rules", "audit", "consent", "revoke", "unrevoke" })
        {
            Assert.Contains(command, output);
        }
    }

    [Fact]
    public void GroupHelp_ListsSubcommands()
    {
        var (exitCode, output, _) = Run("audit", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("verify", output);
        Assert.Contains("subject", output);
    }

    [Fact]
    public void ConsentCommand_WithoutAToken_SaysHowToGiveOne()
    {
        var (exitCode, _, error) = Run("consent", "show", "c-1", "--token-file", "/nonexistent/token");

        Assert.Equal(2, exitCode);
        Assert.Contains("does not exist", error);
    }

    [Fact]
    public void UnknownCommand_FailsWithError()
    {
        var (exitCode, _, error) = Run("frobnicate");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("frobnicate", error);
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = GatewayCtl.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
