using System.Security.Cryptography.X509Certificates;

namespace Gateway.Transport;

internal static class CertificateFiles
{
    public static bool IsPem(string path) =>
        !(path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase));

    /// <summary>Loads the server certificate with its private key; throws with the file named when it cannot.</summary>
    public static X509Certificate2 LoadServerCertificate(CertificateOptions options) => Load(options, "Gateway:Transport:Certificate");

    /// <summary>Loads a certificate with its private key, as configured under <paramref name="section"/>; throws with the file named when it cannot.</summary>
    public static X509Certificate2 Load(CertificateOptions options, string section)
    {
        var path = options.Path ?? throw new InvalidOperationException($"{section}:Path is not set.");
        X509Certificate2 certificate;
        try
        {
            certificate = IsPem(path)
                ? X509Certificate2.CreateFromPemFile(path, options.KeyPath)
                : X509CertificateLoader.LoadPkcs12FromFile(path, PfxPassword(options), X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or ArgumentException)
        {
            throw new InvalidOperationException($"{section}: cannot load '{path}': {ex.Message}", ex);
        }
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new InvalidOperationException($"{section}: '{path}' holds no private key.");
        }
        return certificate;
    }

    private static string? PfxPassword(CertificateOptions options) =>
        options.PasswordEnvironmentVariable is { } variable ? Environment.GetEnvironmentVariable(variable) : null;
}
