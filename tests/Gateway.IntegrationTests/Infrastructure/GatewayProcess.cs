using System.Collections.Concurrent;
using System.Diagnostics;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>The gateway as its own operating-system process (the built Gateway.dll), for tests that must kill or stop it.</summary>
public sealed class GatewayProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private GatewayProcess(Process process) => _process = process;

    /// <summary>What the process wrote to stdout and stderr so far, one entry per line.</summary>
    public IEnumerable<string> Output => _output;

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
        var running = new GatewayProcess(process);
        process.OutputDataReceived += (_, line) => running.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => running.Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
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

    /// <summary>SIGTERM, as docker stop and Kubernetes send; returns how long the process took to exit, and its exit code.</summary>
    /// <exception cref="TimeoutException">It was still running after <paramref name="within"/> (it is then killed).</exception>
    public async Task<(TimeSpan Took, int ExitCode)> TerminateAsync(TimeSpan within)
    {
        var took = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var deadline = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"The gateway did not stop within {within.TotalSeconds} s of SIGTERM. Its last output:\n{string.Join('\n', _output.TakeLast(20))}");
        }
        return (took.Elapsed, _process.ExitCode);
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

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
