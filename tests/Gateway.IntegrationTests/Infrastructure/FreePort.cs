using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Gateway.IntegrationTests.Infrastructure;

internal static class FreePort
{
    // A port the OS hands out for port 0 comes from the ephemeral range, which the tests' own
    // outgoing connections draw from too: one of them could take the port between its release here
    // and the gateway binding it ("address already in use"). So ports come from below that range,
    // where only explicit binds go. Never give a port out twice in one run either: a gateway whose
    // proxy and admin ports coincided would refuse to start.
    private static readonly ConcurrentDictionary<int, byte> Issued = new();
    private static readonly int EphemeralStart = ReadEphemeralStart();

    public static int Next()
    {
        while (true)
        {
            var port = Random.Shared.Next(10_000, EphemeralStart);
            if (Issued.TryAdd(port, 0) && IsFree(port))
            {
                return port;
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int ReadEphemeralStart()
    {
        const int LinuxDefault = 32_768;
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start) && start > 11_000 ? start : LinuxDefault;
        }
        catch (IOException)
        {
            return LinuxDefault;
        }
    }
}
