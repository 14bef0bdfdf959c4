using System.Security.Cryptography.X509Certificates;
using Gateway.Demo;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>A CA and server certificates made once per test run, as PEM and PFX files in a temp folder.</summary>
internal sealed class TestPki
{
    public const string PfxPassword = "test-pfx-password";

    private static readonly Lazy<TestPki> Instance = new(() => new TestPki("Test CA"));

    private TestPki(string caName)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("gateway-pki-").FullName;
        Authority = DevelopmentCertificates.CreateAuthority(caName, DateTimeOffset.UtcNow);
        CaPath = Path.Combine(Directory, "ca.crt");
        File.WriteAllText(CaPath, Authority.ExportCertificatePem());
        Server = IssueServer("server");
    }

    public static TestPki Shared => Instance.Value;

    /// <summary>A second, unrelated CA: its certificates must not be trusted by anything trusting <see cref="Shared"/>.</summary>
    public static TestPki CreateForeign() => new("Foreign CA");

    public string Directory { get; }

    public X509Certificate2 Authority { get; }

    public string CaPath { get; }

    public IssuedCertificate Server { get; }

    public IssuedCertificate IssueServer(string name)
    {
        var certificate = DevelopmentCertificates.CreateServer(Authority, "localhost", DateTimeOffset.UtcNow, TimeSpan.FromDays(2));
        var certificatePath = Path.Combine(Directory, $"{name}.crt");
        var keyPath = Path.Combine(Directory, $"{name}.key");
        DevelopmentCertificates.WritePem(certificate, certificatePath, keyPath);
        var pfxPath = Path.Combine(Directory, $"{name}.pfx");
        File.WriteAllBytes(pfxPath, certificate.Export(X509ContentType.Pkcs12, PfxPassword));
        return new IssuedCertificate(certificate, certificatePath, keyPath, pfxPath);
    }

    /// <summary>A client certificate (TLS client authentication) issued by this CA, as PEM files.</summary>
    public IssuedCertificate IssueClient(string name)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Authority, true, false));
        var now = DateTimeOffset.UtcNow;
        var serial = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = request.Create(Authority, now.AddMinutes(-5), now.AddDays(2), serial);
        var certificate = signed.CopyWithPrivateKey(key);
        var certificatePath = Path.Combine(Directory, $"{name}.crt");
        var keyPath = Path.Combine(Directory, $"{name}.key");
        DevelopmentCertificates.WritePem(certificate, certificatePath, keyPath);
        var pfxPath = Path.Combine(Directory, $"{name}.pfx");
        File.WriteAllBytes(pfxPath, certificate.Export(X509ContentType.Pkcs12, PfxPassword));
        return new IssuedCertificate(certificate, certificatePath, keyPath, pfxPath);
    }

    /// <summary>Validates a server certificate against this CA only (never the system store).</summary>
    public bool Validates(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        return chain.Build(certificate);
    }
}

internal sealed record IssuedCertificate(X509Certificate2 Certificate, string CertificatePath, string KeyPath, string PfxPath);
