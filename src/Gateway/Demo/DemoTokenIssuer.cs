using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Demo;

/// <summary>
/// A stand-in identity provider: an RS256 key whose public half is published as a JWKS file,
/// and access tokens (RFC 9068 <c>at+jwt</c>) for each demo role.
/// </summary>
internal sealed class DemoTokenIssuer
{
    public const string Issuer = "https://demo-idp.compliance-gateway.invalid";
    public const string Audience = "compliance-gateway";

    public static readonly IReadOnlyList<DemoRole> Roles =
    [
        new("support-agent", MultiFactor: false),
        new("marketing-analyst", MultiFactor: false),
        new("compliance-officer", MultiFactor: true),
        new("consent-admin", MultiFactor: true),
    ];

    /// <summary>The privacy console's one demo identity: all three console roles (playground, data map and record of processing, audit).</summary>
    public static readonly DemoRole SecurityTeam = new("security-team", MultiFactor: true, ["rules-editor", "privacy-officer", "soc-analyst"]);

    private readonly RsaSecurityKey _key;

    private DemoTokenIssuer(RsaSecurityKey key) => _key = key;

    /// <summary>Loads the signing key, or makes one and publishes its JWKS.</summary>
    public static DemoTokenIssuer Ensure(DemoWorkspace workspace)
    {
        RSA rsa;
        if (File.Exists(workspace.SigningKeyPath))
        {
            rsa = RSA.Create();
            rsa.ImportFromPem(File.ReadAllText(workspace.SigningKeyPath));
        }
        else
        {
            rsa = RSA.Create(2048);
            File.WriteAllText(workspace.SigningKeyPath, rsa.ExportPkcs8PrivateKeyPem() + "\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(workspace.SigningKeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        var key = new RsaSecurityKey(rsa);
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)));
        key.KeyId = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
        var publicJwk = new { kty = jwk.Kty, use = "sig", alg = SecurityAlgorithms.RsaSha256, kid = key.KeyId, n = jwk.N, e = jwk.E };
        File.WriteAllText(workspace.JwksPath, JsonSerializer.Serialize(new { keys = new[] { publicJwk } }, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return new DemoTokenIssuer(key);
    }

    public string Mint(DemoRole role, DateTimeOffset now, TimeSpan lifetime)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            TokenType = "at+jwt",
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = now.Add(lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = $"demo-{role.Name}",
                ["client_id"] = "demo-client",
                ["jti"] = Guid.NewGuid().ToString("N"),
                ["roles"] = role.Roles.ToArray(),
                ["amr"] = role.MultiFactor ? new[] { "pwd", "mfa" } : new[] { "pwd" },
                ["scope"] = "crm.read crm.write",
            },
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}

/// <param name="GatewayRoles">The roles its tokens carry; by default just <paramref name="Name"/>.</param>
internal sealed record DemoRole(string Name, bool MultiFactor, IReadOnlyList<string>? GatewayRoles = null)
{
    public IReadOnlyList<string> Roles => GatewayRoles ?? [Name];
}
