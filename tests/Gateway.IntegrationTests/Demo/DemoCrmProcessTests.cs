using System.Diagnostics;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Demo;

/// <summary>The standalone demo CRM (as docker-compose runs it) as an operating-system process.</summary>
public sealed class DemoCrmProcessTests
{
    [Fact]
    public async Task Sigterm_StopsTheStandaloneDemoCrm()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DemoCrm.dll"));
        start.ArgumentList.Add($"--DemoCrm:Port={FreePort.Next()}");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The demo CRM did not start.");
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line && !line.StartsWith("Demo CRM listening", StringComparison.Ordinal))
            {
            }

            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token);

            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }
}
