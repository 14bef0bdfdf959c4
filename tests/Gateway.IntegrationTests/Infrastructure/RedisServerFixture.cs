using System.Diagnostics;
using System.Net.Sockets;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>A real redis-server process on a free loopback port, one per test class.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private Process? _process;

    public int Port { get; private set; }

    public string Configuration => $"127.0.0.1:{Port}";

    public Task InitializeAsync() => StartOnAsync(FreePort.Next());

    /// <summary>Starts a redis-server on the given port (tests that bring Redis up late pick the port first).</summary>
    /// <param name="dataDirectory">Set: the server keeps an append-only file there, fsynced on every write, so its data outlives a restart.</param>
    public static async Task<Process> StartProcessAsync(int port, string? dataDirectory = null)
    {
        var executable = FindOnPath("redis-server") ?? throw new InvalidOperationException(
            "redis-server is not on PATH. Install it (Debian: apt-get install -y redis-server) or run ./test.sh, which does.");
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--protected-mode", "yes" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] persistence = dataDirectory is null
            ? ["--appendonly", "no"]
            : ["--appendonly", "yes", "--appendfsync", "always", "--dir", dataDirectory];
        foreach (var argument in persistence)
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!await Eventually.HoldsWithinAsync(async () => process.HasExited || await AnswersPingAsync(port)) || process.HasExited)
        {
            throw new InvalidOperationException($"redis-server on port {port} did not answer PING.");
        }
        return process;
    }

    public Task DisposeAsync()
    {
        Stop();
        return Task.CompletedTask;
    }

    public void Stop()
    {
        Stop(_process);
        _process = null;
    }

    /// <summary>Kills a redis-server started with <see cref="StartProcessAsync"/>, as a crash or an outage would.</summary>
    public static void Stop(Process? process)
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process?.Dispose();
    }

    private async Task StartOnAsync(int port)
    {
        Port = port;
        _process = await StartProcessAsync(port);
    }

    private static async Task<bool> AnswersPingAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
