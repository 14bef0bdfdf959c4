using System.Net;
using System.Net.Sockets;

namespace Gateway.Benchmarks.Load;

internal static class LoopbackPort
{
    private static readonly HashSet<int> Issued = [];

    /// <summary>A free port, never the same twice in one run (the OS may reissue a just-released one).</summary>
    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Issued)
            {
                if (Issued.Add(port))
                {
                    return port;
                }
            }
        }
    }

    public static async Task WaitUntilListeningAsync(int port, MeasuredProcess process, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{what} exited at start:{Environment.NewLine}{process.LastOutput}");
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
