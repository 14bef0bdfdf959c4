using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// A CRM whose body is cut short after a whole JSON value: less than its Content-Length, or
/// chunks without the closing one, then the connection closes. WireMock cannot send either.
/// </summary>
internal sealed class CutShortUpstream : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public CutShortUpstream(string body, bool chunked)
    {
        _listener.Start();
        var head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
        var bytes = Encoding.UTF8.GetByteCount(body);
        var response = Encoding.UTF8.GetBytes(chunked
            ? $"{head}Transfer-Encoding: chunked\r\n\r\n{bytes:x}\r\n{body}\r\n"
            : $"{head}Content-Length: {bytes + 1000}\r\n\r\n{body}");
        _ = ServeAsync(response, _stop.Token);
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

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
            await ReadRequestHeadAsync(stream, stop);
            await stream.WriteAsync(response, stop);
        }
    }

    private static async Task ReadRequestHeadAsync(NetworkStream stream, CancellationToken stop)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, stop);
            if (read == 0)
            {
                return;
            }
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
    }
}
