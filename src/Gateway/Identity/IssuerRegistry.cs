using System.Diagnostics.CodeAnalysis;
using Gateway.Identity.Keys;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Identity;

/// <summary>The configured issuers, found by their exact <c>iss</c> value.</summary>
internal sealed class IssuerRegistry : IDisposable
{
    private readonly Dictionary<string, TrustedIssuer> _byIssuer;

    public IssuerRegistry(IOptions<IdentityOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        var settings = options.Value;
        var logger = loggers.CreateLogger<IssuerRegistry>();
        _byIssuer = settings.Issuers.ToDictionary(
            issuer => issuer.Issuer,
            issuer => new TrustedIssuer(issuer, KeySourceFor(issuer, time, logger), SymmetricKey(issuer), settings.ClockSkew, time),
            StringComparer.Ordinal);
    }

    public IEnumerable<TrustedIssuer> All => _byIssuer.Values;

    public bool TryFind(string? issuer, [NotNullWhen(true)] out TrustedIssuer? trusted) =>
        _byIssuer.TryGetValue(issuer ?? string.Empty, out trusted);

    public void Dispose()
    {
        foreach (var issuer in _byIssuer.Values)
        {
            issuer.Dispose();
        }
    }

    private static IssuerKeySource KeySourceFor(IssuerOptions issuer, TimeProvider time, ILogger logger)
    {
        if (issuer.JwksPath is not null)
        {
            try
            {
                return new JwksFileKeySource(issuer.JwksPath, time, logger);
            }
            catch (KeysUnavailableException ex)
            {
                throw new InvalidOperationException($"Gateway:Identity:Issuers ({issuer.Name}): {ex.Message}", ex);
            }
        }
        return new DiscoveryKeySource(issuer, logger);
    }

    private static SymmetricSecurityKey? SymmetricKey(IssuerOptions issuer)
    {
        if (issuer.SymmetricKeyFile is null)
        {
            return null;
        }
        try
        {
            var key = Convert.FromBase64String(File.ReadAllText(issuer.SymmetricKeyFile).Trim());
            if (key.Length < 32)
            {
                throw new FormatException("it must hold at least 256 bits");
            }
            // Tokens must name it: with TryAllIssuerSigningKeys off, a key is found by kid only.
            return new SymmetricSecurityKey(key) { KeyId = issuer.Name };
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"Gateway:Identity:Issuers ({issuer.Name}): SymmetricKeyFile is not a usable base64 key: {ex.Message}.", ex);
        }
    }
}
