using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// Sends a request exactly as written (HttpClient would normalise the path), over TLS or plain TCP.
/// Over TLS it adds <see cref="GatewayUnderTest.DefaultToken"/> after the request line unless the
/// request has its own Authorization or <c>withToken</c> is false.
/// </summary>
internal static class RawHttpsClient
{
    public static async Task<RawResponse> SendAsync(int port, string requestHead, byte[]? body = null, bool withToken = true)
    {
        if (withToken && !requestHead.Contains("\r\nAuthorization:", StringComparison.OrdinalIgnoreCase))
        {
            var lineEnd = requestHead.IndexOf("\r\n", StringComparison.Ordinal);
            requestHead = requestHead.Insert(lineEnd + 2, $"Authorization: Bearer {GatewayUnderTest.DefaultToken}\r\n");
        }
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
            TestPki.Shared.Validates(certificate as System.Security.Cryptography.X509Certificates.X509Certificate2));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        });
        return await ExchangeAsync(tls, requestHead, body);
    }

    /// <summary>Plain TCP: what a client that forgot TLS would do. Returns whatever bytes come back before the connection closes.</summary>
    public static async Task<byte[]> SendPlainAsync(int port, string requestHead)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(requestHead));
        return await ReadToEndAsync(stream);
    }


    private static async Task<RawResponse> ExchangeAsync(Stream stream, string requestHead, byte[]? body)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(requestHead));
        if (body is not null)
        {
            await stream.WriteAsync(body);
        }
        await stream.FlushAsync();
        var bytes = await ReadToEndAsync(stream, stopWhenComplete: true);
        return RawResponse.Parse(Encoding.UTF8.GetString(bytes));
    }

    /// <summary>Reads until the peer closes, or (with <paramref name="stopWhenComplete"/>) until one whole HTTP/1.1 response has arrived.</summary>
    private static async Task<byte[]> ReadToEndAsync(Stream stream, bool stopWhenComplete = false)
    {
        using var buffer = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, timeout.Token)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (stopWhenComplete && IsComplete(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // A reset or a silent peer ends the exchange; the bytes so far are the answer.
        }
        return buffer.ToArray();
    }

    private static bool IsComplete(string text)
    {
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0)
        {
            return false;
        }
        var head = text[..split];
        var body = text[(split + 4)..];
        var lengthLine = head.Split("\r\n").FirstOrDefault(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (lengthLine is not null)
        {
            return Encoding.UTF8.GetByteCount(body) >= int.Parse(lengthLine["Content-Length:".Length..].Trim());
        }
        return head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase) && body.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
    }
}

internal sealed record RawResponse(int Status, string Head, string Body)
{
    public static RawResponse Parse(string text)
    {
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var body = split < 0 ? string.Empty : text[(split + 4)..];
        var parts = head.Split(' ', 3);
        var status = parts.Length > 1 && int.TryParse(parts[1], out var code) ? code : 0;
        return new RawResponse(status, head, body);
    }

    public bool HasHeader(string name, string value) =>
        Head.Split("\r\n").Any(line => line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase) && line.Contains(value, StringComparison.OrdinalIgnoreCase));
}
