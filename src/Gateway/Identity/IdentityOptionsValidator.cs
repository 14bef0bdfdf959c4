using Gateway.Configuration;
using Gateway.Purpose;
using Microsoft.Extensions.Options;

namespace Gateway.Identity;

internal sealed class IdentityOptionsValidator(IConfiguration configuration) : IValidateOptions<IdentityOptions>
{
    private static readonly HashSet<string> AsymmetricAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];
    private static readonly HashSet<string> SymmetricAlgorithms = ["HS256", "HS384", "HS512"];

    public ValidateOptionsResult Validate(string? name, IdentityOptions options)
    {
        var errors = new ValidationErrors();
        if (!options.Enabled && PurposeRegistration.Enabled(configuration))
        {
            errors.Add("Gateway:Identity:Enabled", "a purpose comes from the caller's token and client; with identity off, leave Gateway:Purposes:Catalog empty.");
        }
        if (options.Enabled && options.Issuers.Count == 0)
        {
            errors.Add("Gateway:Identity:Issuers", "configure at least one issuer: every proxied request must carry an access token.");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        var issuers = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Issuers.Count; i++)
        {
            var path = $"Gateway:Identity:Issuers[{i}]";
            var issuer = options.Issuers[i];
            if (string.IsNullOrWhiteSpace(issuer.Name) || !names.Add(issuer.Name))
            {
                errors.Add($"{path}:Name", "must be set and unique.");
            }
            if (string.IsNullOrWhiteSpace(issuer.Issuer) || !issuers.Add(issuer.Issuer))
            {
                errors.Add($"{path}:Issuer", "must be set and unique (the exact iss value).");
            }
            ValidateKeySource(errors, path, issuer);
            if (issuer.Audiences.Count == 0 || issuer.Audiences.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add($"{path}:Audiences", "list at least one audience; a token for another service must not be accepted here.");
            }
            for (var a = 0; a < issuer.EffectiveValidAlgorithms.Count; a++)
            {
                var algorithm = issuer.EffectiveValidAlgorithms[a];
                if (SymmetricAlgorithms.Contains(algorithm) && issuer.SymmetricKeyFile is null)
                {
                    errors.Add($"{path}:ValidAlgorithms[{a}]", $"'{algorithm}' needs SymmetricKeyFile; without it an attacker could sign with the public key.");
                }
                else if (!AsymmetricAlgorithms.Contains(algorithm) && !SymmetricAlgorithms.Contains(algorithm))
                {
                    errors.Add($"{path}:ValidAlgorithms[{a}]", $"'{algorithm}' is not a supported signature algorithm.");
                }
            }
            if (issuer.RoleMap.Count == 0)
            {
                errors.Add($"{path}:RoleMap", "map at least one identity-provider value to a gateway role; callers without a mapped role are refused.");
            }
            if (issuer.KeyRefreshInterval < TimeSpan.FromSeconds(1))
            {
                errors.Add($"{path}:KeyRefreshInterval", "must be at least 1 second.");
            }
            if (issuer.KeyAutomaticRefreshInterval < TimeSpan.FromMinutes(5))
            {
                errors.Add($"{path}:KeyAutomaticRefreshInterval", "must be at least 5 minutes (the OIDC configuration manager's minimum).");
            }
        }
        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(5))
        {
            errors.Add("Gateway:Identity:ClockSkew", "must be between 0 and 5 minutes.");
        }
        if (options.MaxTokenBytes is < 512 or > 64 * 1024)
        {
            errors.Add("Gateway:Identity:MaxTokenBytes", "must be between 512 and 65536.");
        }
        if (options.TokenCacheSize < 0)
        {
            errors.Add("Gateway:Identity:TokenCacheSize", "must not be negative (0 turns the cache off).");
        }
        ValidateRevocation(errors, options.Revocation);
        return errors.ToResult();
    }

    private static void ValidateKeySource(ValidationErrors errors, string path, IssuerOptions issuer)
    {
        switch (issuer.Authority, issuer.JwksPath)
        {
            case (null, null):
                errors.Add(path, "set Authority (OIDC discovery) or JwksPath (static JWKS file).");
                break;
            case ({ }, { }):
                errors.Add(path, "set only one of Authority and JwksPath.");
                break;
            case ({ } authority, null) when !Uri.TryCreate(authority, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps:
                errors.Add($"{path}:Authority", $"'{authority}' is not an https:// URL; keys must not be fetched over plain HTTP.");
                break;
            case (null, { } file):
                errors.RequireFile($"{path}:JwksPath", file, "the JWKS file");
                break;
        }
        if (issuer.SymmetricKeyFile is not null)
        {
            errors.RequireFile($"{path}:SymmetricKeyFile", issuer.SymmetricKeyFile, "the symmetric key file");
        }
        if (issuer.TrustedCaPath is not null)
        {
            errors.RequireFile($"{path}:TrustedCaPath", issuer.TrustedCaPath, "the CA bundle");
        }
    }

    private void ValidateRevocation(ValidationErrors errors, RevocationOptions revocation)
    {
        if (revocation.Enabled == true && string.IsNullOrWhiteSpace(configuration["Gateway:Redis:Configuration"]))
        {
            errors.Add("Gateway:Identity:Revocation:Enabled", "revocation keeps its denylist in Redis; set Gateway:Redis:Configuration.");
        }
        if (string.IsNullOrWhiteSpace(revocation.KeyPrefix))
        {
            errors.Add("Gateway:Identity:Revocation:KeyPrefix", "must not be empty.");
        }
        if (revocation.RefreshInterval <= TimeSpan.Zero || revocation.MaxStaleness <= revocation.RefreshInterval)
        {
            errors.Add("Gateway:Identity:Revocation:MaxStaleness", "RefreshInterval must be positive and MaxStaleness longer than it.");
        }
    }
}
