using System.Security.Cryptography.X509Certificates;

namespace Gateway.Transport;

internal static class CertificateFiles
{
    public static bool IsPem(string path) =>
        !(path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase));

    /// <summary>Loads the server certificate with its private key; throws with the file named when it cannot.</summary>
    public static X509Certificate2 LoadServerCertificate(CertificateOptions options)
    {
        var path = options.Path ?? throw new InvalidOperationException("Gateway:Transport:Certificate:Path is not set.");
        X509Certificate2 certificate;
        try
        {
            certificate = IsPem(path)
                ? X509Certificate2.CreateFromPemFile(path, options.KeyPath)
                : X509CertificateLoader.LoadPkcs12FromFile(path, PfxPassword(options), X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or ArgumentException)
        {
            throw new InvalidOperationException($"Gateway:Transport:Certificate: cannot load '{path}': {ex.Message}", ex);
        }
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new InvalidOperationException($"Gateway:Transport:Certificate: '{path}' holds no private key.");
        }
        return certificate;
    }

    private static string? PfxPassword(CertificateOptions options) =>
        options.PasswordEnvironmentVariable is { } variable ? Environment.GetEnvironmentVariable(variable) : null;
}
