using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Gateway.IntegrationTests.Infrastructure;

internal static class FreePort
{
    // The OS may hand the same just-released port to two listeners in a row; a gateway whose proxy
    // and admin ports then coincide refuses to start. Never give a port out twice in one run.
    private static readonly ConcurrentDictionary<int, byte> Issued = new();

    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (Issued.TryAdd(port, 0))
            {
                return port;
            }
        }
    }
}
