using System.Diagnostics;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>The gateway as its own operating-system process (the built Gateway.dll), for tests that must kill it.</summary>
public sealed class GatewayProcess : IDisposable
{
    private readonly Process _process;

    private GatewayProcess(Process process) => _process = process;

    /// <summary>Starts the gateway with <paramref name="gateway"/>'s settings and waits until its admin port answers.</summary>
    public static async Task<GatewayProcess> StartAsync(GatewayUnderTest gateway)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Gateway.dll"));
        foreach (var argument in gateway.Arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("The gateway process did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var running = new GatewayProcess(process);
        using var client = GatewayUnderTest.CreateClient();
        var answered = await Eventually.HoldsWithinAsync(
            async () =>
            {
                try
                {
                    using var health = await client.GetAsync(gateway.AdminUrl("/healthz"));
                    return true;
                }
                catch (HttpRequestException) when (!process.HasExited)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30));
        if (!answered)
        {
            running.Dispose();
            throw new InvalidOperationException($"The gateway process did not come up (exited: {process.HasExited}).");
        }
        return running;
    }

    /// <summary>SIGKILL: no shutdown, no draining, as a crash or the OOM killer would end it.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }
        _process.Dispose();
    }
}
