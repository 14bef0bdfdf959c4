using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// A CRM whose body is cut short after a whole JSON value: less than its Content-Length, or
/// chunks without the closing one, then the connection closes. WireMock cannot send either.
/// </summary>
internal sealed class CutShortUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public CutShortUpstream(string body, bool chunked)
    {
        _listener.Start();
        var head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
        var bytes = Encoding.UTF8.GetByteCount(body);
        var response = Encoding.UTF8.GetBytes(chunked
            ? $"{head}Transfer-Encoding: chunked\r\n\r\n{bytes:x}\r\n{body}\r\n"
            : $"{head}Content-Length: {bytes + 1000}\r\n\r\n{body}");
        _serving = ServeAsync(response);
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private async Task ServeAsync(byte[] response)
    {
        while (!_stop.IsCancellationRequested)
        {
            using var connection = await _listener.AcceptTcpClientAsync(_stop.Token);
            var stream = connection.GetStream();
            await ReadRequestHeadAsync(stream);
            await stream.WriteAsync(response, _stop.Token);
        }
    }

    private async Task ReadRequestHeadAsync(NetworkStream stream)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
    }
}
