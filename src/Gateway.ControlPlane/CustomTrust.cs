using System.Security.Cryptography.X509Certificates;

namespace Gateway.ControlPlane;

/// <summary>Certificate validation against a private CA bundle instead of the system store (CRM, identity provider).</summary>
public static class CustomTrust
{
    public static X509ChainPolicy FromPemFile(string path)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(path);
        if (authorities.Count == 0)
        {
            throw new InvalidOperationException($"'{path}' holds no PEM certificate.");
        }
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.AddRange(authorities);
        return policy;
    }
}
