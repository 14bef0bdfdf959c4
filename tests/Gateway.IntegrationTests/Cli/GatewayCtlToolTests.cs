using System.Diagnostics;
using Gateway.Demo;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Cli;

/// <summary>
/// gatewayctl as a new user gets it: the README's one line (which the demo banner prints too),
/// run as written except that the tool goes to a temporary tool path, not the user's global one.
/// </summary>
public sealed class GatewayCtlToolTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gatewayctl-tool-").FullName;

    [Fact]
    public async Task TheReadmeLine_PacksAndInstallsGatewayctl_WhichRuns()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "README.md"));
        Assert.Contains(DemoBanner.InstallGatewayCtl, readme);
        var packs = Path.Combine(_directory, "packs");
        var tools = Path.Combine(_directory, "tools");
        // The same line, with the pack in a folder of this test and a tool path for --global. The
        // configuration is the tests' own, which is built already; a user's pack is a Release one.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var line = DemoBanner.InstallGatewayCtl
            .Replace("-o .tools", $"-c {configuration} -o '{packs}'", StringComparison.Ordinal)
            .Replace("--global --add-source .tools", $"--tool-path '{tools}' --add-source '{packs}'", StringComparison.Ordinal);
        Assert.NotEqual(DemoBanner.InstallGatewayCtl, line);

        var (installed, installOutput) = await RunAsync("bash", "-c", line);
        Assert.True(installed == 0, installOutput);

        var gatewayctl = Path.Combine(tools, "gatewayctl");
        var (versionCode, version) = await RunAsync(gatewayctl, "--version");
        Assert.True(versionCode == 0, version);
        Assert.StartsWith("1.0.0", version.Trim());
        var (helpCode, help) = await RunAsync(gatewayctl, "--help");
        Assert.True(helpCode == 0, help);
        foreach (var command in new[] { "rules", "audit", "consent", "revoke", "unrevoke" })
        {
            Assert.Contains(command, help);
        }
        var (validateCode, validate) = await RunAsync(gatewayctl, "rules", "validate", Path.Combine(RepositoryRoot.Path, "deploy", "rules", "democrm.yaml"));
        Assert.True(validateCode == 0, validate);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output + await error);
    }
}
