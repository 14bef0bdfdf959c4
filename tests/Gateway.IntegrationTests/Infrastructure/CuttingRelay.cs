using System.Net;
using System.Net.Sockets;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// A TCP relay to a local port that, once told to, cuts the connection part-way through what the
/// client is sending: the server gets the first bytes, and then both sides see the connection
/// close. Killing the server cannot choose where a pipelined write is cut.
/// </summary>
internal sealed class CuttingRelay : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _budgetLock = new();
    private long? _bytesBeforeCut;

    public CuttingRelay(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _ = AcceptAsync(_stop.Token);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Cuts { get; private set; }

    /// <summary>Relays the next <paramref name="bytes"/> the client sends, then cuts that connection; later connections are relayed whole.</summary>
    public void CutAfter(long bytes)
    {
        lock (_budgetLock)
        {
            _bytesBeforeCut = bytes;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(stop);
            var server = new TcpClient();
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, stop);
            _ = RelayAsync(client, server, stop);
        }
    }

    private async Task RelayAsync(TcpClient client, TcpClient server, CancellationToken stop)
    {
        using (client)
        using (server)
        {
            var back = server.GetStream().CopyToAsync(client.GetStream(), stop);
            await ForwardUntilCutAsync(client.GetStream(), server.GetStream(), stop);
            client.Client.Close();
            server.Client.Close();
            await back.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task ForwardUntilCutAsync(NetworkStream from, NetworkStream to, CancellationToken stop)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await from.ReadAsync(buffer, stop);
            }
            catch (IOException)
            {
                return;
            }
            if (read == 0)
            {
                return;
            }
            var forward = Take(read);
            await to.WriteAsync(buffer.AsMemory(0, forward), stop);
            if (forward < read)
            {
                return;
            }
        }
    }

    /// <returns>How many of <paramref name="read"/> bytes go through before the cut (all of them when none is due).</returns>
    private int Take(int read)
    {
        lock (_budgetLock)
        {
            if (_bytesBeforeCut is not { } budget)
            {
                return read;
            }
            if (budget >= read)
            {
                _bytesBeforeCut = budget - read;
                return read;
            }
            _bytesBeforeCut = null;
            Cuts++;
            return (int)budget;
        }
    }
}
