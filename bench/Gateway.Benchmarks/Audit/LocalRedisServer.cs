using System.Diagnostics;
using Gateway.Benchmarks.Load;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Benchmarks.Audit;

/// <summary>A redis-server on a free loopback port, without persistence, for as long as a benchmark runs.</summary>
internal sealed class LocalRedisServer : IDisposable
{
    private readonly Process _process;

    public LocalRedisServer()
    {
        Port = LoopbackPort.Next();
        _process = Process.Start(new ProcessStartInfo("redis-server", ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("redis-server did not start; install it (apt-get install -y redis-server).");
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!Answers())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("redis-server did not answer.");
            }
            Thread.Sleep(20);
        }
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public double CpuSeconds() => MeasuredProcess.CpuSecondsOf(_process.Id);

    public void Dispose()
    {
        _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }

    private bool Answers()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
