using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// A CRM that answers every request with bytes written exactly as given: framing that
/// contradicts itself, bodies cut short, bodies where the status says there are none. WireMock
/// cannot send any of these. Each connection gets the response once and is then closed.
/// </summary>
internal sealed class RawUpstream : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private int _requests;

    public RawUpstream(string head, byte[] body)
    {
        _listener.Start();
        _ = ServeAsync([.. Encoding.ASCII.GetBytes(head.ReplaceLineEndings("\r\n").TrimEnd('\r', '\n') + "\r\n\r\n"), .. body], _stop.Token);
    }

    /// <summary>A whole JSON body, then the connection closes: short of its Content-Length, or without the closing chunk.</summary>
    public static RawUpstream CutShort(string body, bool chunked)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return chunked
            ? new RawUpstream("HTTP/1.1 200 OK\nContent-Type: application/json\nTransfer-Encoding: chunked", [.. Chunk(bytes)])
            : new RawUpstream($"HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: {bytes.Length + 1000}", bytes);
    }

    /// <summary>One chunk of <paramref name="data"/> in HTTP/1.1 chunked coding (without the closing chunk).</summary>
    public static byte[] Chunk(byte[] data) => [.. Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"), .. data, .. "\r\n"u8];

    /// <summary>The closing zero-length chunk.</summary>
    public static byte[] LastChunk => "0\r\n\r\n"u8.ToArray();

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>How many requests reached this CRM.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public void Dispose()
    {
        // Ends the accept loop; the task it leaves is not waited for.
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task ServeAsync(byte[] response, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            using var connection = await _listener.AcceptTcpClientAsync(stop);
            var stream = connection.GetStream();
            if (await ReadRequestHeadAsync(stream, stop))
            {
                Interlocked.Increment(ref _requests);
                await stream.WriteAsync(response, stop);
            }
        }
    }

    private static async Task<bool> ReadRequestHeadAsync(NetworkStream stream, CancellationToken stop)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, stop);
            if (read == 0)
            {
                return false;
            }
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return true;
    }
}
