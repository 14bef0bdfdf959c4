using System.Security.Cryptography.X509Certificates;

namespace DemoCrm;

public sealed record DemoCrmSettings
{
    /// <summary>Where to listen: loopback unless the demo CRM runs in its own container.</summary>
    public System.Net.IPAddress Address { get; init; } = System.Net.IPAddress.Loopback;

    /// <summary>Port; 0 picks a free one (read it back from <see cref="DemoCrmServer.BaseAddress"/>).</summary>
    public int Port { get; init; }

    /// <summary>Server certificate with key; null serves plain HTTP (tests of the gateway's http:// refusal only).</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>The complete Authorization header value the CRM demands; null accepts any caller.</summary>
    public string? RequiredAuthorization { get; init; }

    public int ContactCount { get; init; } = 200;

    public int Seed { get; init; } = 42;
}
