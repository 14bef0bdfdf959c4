using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Demo;

/// <summary>
/// The <c>.demo/</c> folder: a CA and server certificate, a token signing key, the CRM
/// credential and the minted tokens. Keys and certificates are kept between runs (so a CA a
/// user chose to trust stays valid); tokens are minted afresh at each start.
/// </summary>
internal sealed class DemoWorkspace
{
    private static readonly TimeSpan ServerCertificateLifetime = TimeSpan.FromDays(90);

    public DemoWorkspace(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(Root, "tls"));
        Directory.CreateDirectory(Path.Combine(Root, "signing"));
        Directory.CreateDirectory(TokensDirectory);
    }

    public string Root { get; }

    public string CaCertificatePath => Path.Combine(Root, "tls", "ca.crt");

    private string CaKeyPath => Path.Combine(Root, "tls", "ca.key");

    public string ServerCertificatePath => Path.Combine(Root, "tls", "gateway.crt");

    public string ServerKeyPath => Path.Combine(Root, "tls", "gateway.key");

    public string SigningKeyPath => Path.Combine(Root, "signing", "key.pem");

    public string JwksPath => Path.Combine(Root, "signing", "jwks.json");

    public string CrmCredentialPath => Path.Combine(Root, "crm-credential");

    public string TokensDirectory => Path.Combine(Root, "tokens");

    public string HashKeyPath => Path.Combine(Root, "hash-key");

    public string AuditKeyPath => Path.Combine(Root, "audit-key");

    public string AuditSpoolPath => Path.Combine(Root, "audit-spool");

    /// <summary>The server certificate, made (with its CA) where missing or within a week of expiry.</summary>
    public X509Certificate2 EnsureCertificates(DateTimeOffset now)
    {
        if (File.Exists(ServerCertificatePath) && File.Exists(ServerKeyPath) && File.Exists(CaCertificatePath) && File.Exists(CaKeyPath))
        {
            var existing = X509Certificate2.CreateFromPemFile(ServerCertificatePath, ServerKeyPath);
            if (existing.NotAfter > now.AddDays(7).UtcDateTime)
            {
                return existing;
            }
        }
        var authority = File.Exists(CaCertificatePath) && File.Exists(CaKeyPath)
            ? X509Certificate2.CreateFromPemFile(CaCertificatePath, CaKeyPath)
            : DevelopmentCertificates.CreateAuthority("Compliance Gateway Demo CA", now);
        if (authority.NotAfter <= now.AddDays(30).UtcDateTime)
        {
            authority = DevelopmentCertificates.CreateAuthority("Compliance Gateway Demo CA", now);
        }
        DevelopmentCertificates.WritePem(authority, CaCertificatePath, CaKeyPath);
        var server = DevelopmentCertificates.CreateServer(authority, "localhost", now, ServerCertificateLifetime);
        DevelopmentCertificates.WritePem(server, ServerCertificatePath, ServerKeyPath);
        return server;
    }

    /// <summary>The secret key of the masking rules' hash action (pseudonyms stay stable across restarts).</summary>
    public string EnsureHashKey() => EnsureKey(HashKeyPath);

    public string EnsureAuditKey() => EnsureKey(AuditKeyPath);

    private static string EnsureKey(string path)
    {
        if (!File.Exists(path))
        {
            File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        return path;
    }

    /// <summary>The credential the demo CRM demands and the gateway injects (never the client's).</summary>
    public string EnsureCrmCredential()
    {
        if (!File.Exists(CrmCredentialPath))
        {
            File.WriteAllText(CrmCredentialPath, $"Bearer demo-crm-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(CrmCredentialPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        return File.ReadAllText(CrmCredentialPath).Trim();
    }
}
