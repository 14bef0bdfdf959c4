using System.Net;

namespace Gateway.Transport;

internal static class TrustedNetworks
{
    /// <summary>Accepts a CIDR network (<c>10.0.0.0/8</c>) or a single address (treated as /32 or /128).</summary>
    public static bool TryParse(string value, out IPNetwork network)
    {
        if (IPNetwork.TryParse(value, out network))
        {
            return true;
        }
        if (IPAddress.TryParse(value, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return false;
    }
}
