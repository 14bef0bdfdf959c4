using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Upstream;

/// <summary>
/// What the gateway proves itself with to the token endpoint: a client secret, or the key that
/// signs its assertions (with, for <c>private_key_jwt</c>, the certificate whose thumbprint names
/// it). Read from files or environment variables; every problem is an
/// <see cref="InvalidOperationException"/> naming the setting, never the secret.
/// </summary>
internal sealed class TokenRequestSecrets
{
    private const string Path = "Gateway:Upstream:Credential";

    private TokenRequestSecrets(string? clientSecret, SigningCredentials? signing)
    {
        ClientSecret = clientSecret;
        Signing = signing;
    }

    /// <summary>client_secret_post and client_secret_basic.</summary>
    public string? ClientSecret { get; }

    /// <summary>jwt_bearer (an RSA key) and private_key_jwt (the key with its certificate: <c>x5t</c> and <c>kid</c> headers).</summary>
    public SigningCredentials? Signing { get; }

    /// <summary>The files to watch for rotation.</summary>
    public static string[] Files(UpstreamCredentialOptions options) =>
        [.. new[] { options.ClientSecretFile, options.PrivateKeyFile, options.CertificateFile }.OfType<string>()];

    /// <exception cref="InvalidOperationException">A secret is missing or unusable.</exception>
    public static TokenRequestSecrets Load(UpstreamCredentialOptions options)
    {
        if (options.Kind == CredentialKinds.JwtBearer)
        {
            return new TokenRequestSecrets(null, new SigningCredentials(RsaKey(options), SecurityAlgorithms.RsaSha256));
        }
        if (options.ClientAuthentication == ClientAuthentications.PrivateKeyJwt)
        {
            return new TokenRequestSecrets(null, CertificateCredentials(options));
        }
        var (source, raw) = Read(options.ClientSecretFile, options.ClientSecretEnvironmentVariable, "ClientSecret");
        var secret = raw.Trim();
        if (secret.Length == 0 || secret.Any(char.IsControl))
        {
            throw new InvalidOperationException($"{Path}: {source} must hold the client secret on one line.");
        }
        return new TokenRequestSecrets(secret, null);
    }

    private static RsaSecurityKey RsaKey(UpstreamCredentialOptions options)
    {
        var (source, pem) = Read(options.PrivateKeyFile, options.PrivateKeyEnvironmentVariable, "PrivateKey");
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (ArgumentException ex)
        {
            rsa.Dispose();
            throw new InvalidOperationException($"{Path}: {source} is not an unencrypted PEM RSA private key ({ex.GetType().Name}).", ex);
        }
        catch (CryptographicException ex)
        {
            rsa.Dispose();
            throw new InvalidOperationException($"{Path}: {source} is not an unencrypted PEM RSA private key ({ex.GetType().Name}).", ex);
        }
        if (rsa.KeySize < 2048)
        {
            rsa.Dispose();
            throw new InvalidOperationException($"{Path}: {source} holds a {rsa.KeySize}-bit RSA key; at least 2048 bits are required.");
        }
        // A provider factory of its own: rotated keys must not stay in the process-wide signature provider cache.
        return new RsaSecurityKey(rsa) { CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false } };
    }

    private static X509SigningCredentials CertificateCredentials(UpstreamCredentialOptions options)
    {
        var (source, keyPem) = Read(options.PrivateKeyFile, options.PrivateKeyEnvironmentVariable, "PrivateKey");
        var certificateFile = options.CertificateFile ?? throw new InvalidOperationException($"{Path}:CertificateFile: private_key_jwt needs the certificate of the signing key.");
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificateFile), keyPem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"{Path}: certificate '{certificateFile}' and the key from {source} do not make a certificate with its private key ({ex.GetType().Name}).", ex);
        }
        if (certificate.GetRSAPrivateKey() is not { } key)
        {
            certificate.Dispose();
            throw new InvalidOperationException($"{Path}: the key from {source} is not an RSA key; assertions are signed with RS256.");
        }
        key.Dispose();
        return new X509SigningCredentials(certificate, SecurityAlgorithms.RsaSha256)
        {
            CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false },
        };
    }

    private static (string Source, string Value) Read(string? file, string? variable, string setting)
    {
        if (file is not null)
        {
            try
            {
                return ($"file '{file}'", File.ReadAllText(file));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"{Path}:{setting}File: cannot read '{file}': {ex.Message}", ex);
            }
        }
        if (variable is not null)
        {
            return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
                ? ($"environment variable '{variable}'", value)
                : throw new InvalidOperationException($"{Path}:{setting}EnvironmentVariable: environment variable '{variable}' is not set or empty.");
        }
        throw new InvalidOperationException($"{Path}: set {setting}File or {setting}EnvironmentVariable.");
    }
}
