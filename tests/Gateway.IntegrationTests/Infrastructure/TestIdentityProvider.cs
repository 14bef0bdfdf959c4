using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// A test identity provider with real keys (RSA and EC P-256) published as a JWKS file, minting
/// access tokens that any test can bend into an attack.
/// </summary>
public sealed class TestIdentityProvider
{
    public const string Issuer = "https://idp.test.invalid";
    public const string Audience = "crm-gateway";

    private static readonly Lazy<TestIdentityProvider> Instance = new(() => new TestIdentityProvider());

    private TestIdentityProvider()
    {
        var rsa = RSA.Create(2048);
        RsaKey = new RsaSecurityKey(rsa) { KeyId = "rsa-1" };
        RsaPublicKeyPem = rsa.ExportSubjectPublicKeyInfoPem();
        RsaPublicKeyDer = rsa.ExportSubjectPublicKeyInfo();
        EcKey = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "ec-1" };
        JwksPath = Path.Combine(TestPki.Shared.Directory, "jwks.json");
        File.WriteAllText(JwksPath, Jwks(RsaKey, EcKey));
    }

    public static TestIdentityProvider Shared => Instance.Value;

    public RsaSecurityKey RsaKey { get; }

    public ECDsaSecurityKey EcKey { get; }

    public string RsaPublicKeyPem { get; }

    public byte[] RsaPublicKeyDer { get; }

    public string JwksPath { get; }

    /// <summary>Settings that make a gateway trust this provider (issuer index 0).</summary>
    public static IEnumerable<KeyValuePair<string, string?>> GatewaySettings(string jwksPath) =>
    [
        new("Gateway:Identity:Issuers:0:Name", "test-idp"),
        new("Gateway:Identity:Issuers:0:Issuer", Issuer),
        new("Gateway:Identity:Issuers:0:JwksPath", jwksPath),
        new("Gateway:Identity:Issuers:0:Audiences:0", Audience),
        new("Gateway:Identity:Issuers:0:RoleClaims:0", "roles"),
        new("Gateway:Identity:Issuers:0:RoleClaims:1", "groups"),
        new("Gateway:Identity:Issuers:0:RoleClaims:2", "scp"),
        new("Gateway:Identity:Issuers:0:RoleClaims:3", "realm_access.roles"),
        new("Gateway:Identity:Issuers:0:RoleMap:crm-support", "support-agent"),
        new("Gateway:Identity:Issuers:0:RoleMap:crm-compliance", "compliance-officer"),
        new("Gateway:Identity:Issuers:0:RoleMap:crm.read", "reader"),
    ];

    /// <summary>A valid access token for a support agent, changed by <paramref name="customize"/>.</summary>
    public string Mint(Action<TokenSpec>? customize = null)
    {
        var spec = new TokenSpec { SigningKey = RsaKey };
        customize?.Invoke(spec);
        return Mint(spec);
    }

    public static string Mint(TokenSpec spec)
    {
        var now = (spec.Clock?.GetUtcNow() ?? DateTimeOffset.UtcNow).UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            TokenType = spec.Type,
            SigningCredentials = new SigningCredentials(spec.SigningKey, spec.Algorithm ?? DefaultAlgorithm(spec.SigningKey)),
            Claims = spec.Claims,
            AdditionalHeaderClaims = spec.Header.Count == 0 ? null : spec.Header,
        };
        if (spec.Issuer is not null)
        {
            descriptor.Issuer = spec.Issuer;
        }
        if (spec.Audience is not null)
        {
            descriptor.Audience = spec.Audience;
        }
        if (spec.Expires is { } expires)
        {
            descriptor.Expires = now.Add(expires);
            descriptor.IssuedAt = now.Add(expires).AddMinutes(-20) < now ? now.Add(expires).AddMinutes(-20) : now;
            descriptor.NotBefore = spec.NotBefore is { } nbf ? now.Add(nbf) : descriptor.IssuedAt;
        }
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = spec.Expires is not null };
        return handler.CreateToken(descriptor);
    }

    /// <summary>The header <see cref="Mint(Action{TokenSpec}?)"/> writes, as JSON text.</summary>
    public const string RsaHeaderJson = """{"alg":"RS256","kid":"rsa-1","typ":"at+jwt"}""";

    /// <summary>
    /// The claims of a valid support-agent token as JSON text, with <paramref name="extraMembers"/>
    /// (<c>,"name":value</c> pairs) written after them, for tokens no JSON serializer would write.
    /// </summary>
    /// <param name="dates">The iat, nbf and exp members as written; null: now, now and in ten minutes, as numbers.</param>
    public static string PayloadJson(string extraMembers = "", string? dates = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        dates ??= $"\"iat\":{now},\"nbf\":{now},\"exp\":{now + 600}";
        return $$"""{"iss":"{{Issuer}}","aud":"{{Audience}}","sub":"user-1","client_id":"app-1","jti":"{{Guid.NewGuid():N}}","roles":["crm-support"],{{dates}}{{extraMembers}}}""";
    }

    /// <summary>Base64url of UTF-8 <paramref name="json"/>, canonical (no padding).</summary>
    public static string Segment(string json) => Base64UrlEncoder.Encode(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>A validly RS256-signed token (key rsa-1) of exactly these encoded segments, however odd they are.</summary>
    public string SignSegments(string headerSegment, string payloadSegment)
    {
        var signature = RsaKey.Rsa.SignData(System.Text.Encoding.ASCII.GetBytes($"{headerSegment}.{payloadSegment}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{headerSegment}.{payloadSegment}.{Base64UrlEncoder.Encode(signature)}";
    }

    /// <summary>A validly RS256-signed token of exactly this header and payload JSON text.</summary>
    public string SignJson(string headerJson, string payloadJson) => SignSegments(Segment(headerJson), Segment(payloadJson));

    public static string Jwks(params SecurityKey[] keys) => JsonSerializer.Serialize(new
    {
        keys = keys.Select(key =>
        {
            var jwk = key switch
            {
                RsaSecurityKey rsa => JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.Rsa.ExportParameters(false)) { KeyId = rsa.KeyId }),
                ECDsaSecurityKey ec => JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(ec.ECDsa.ExportParameters(false))) { KeyId = ec.KeyId }),
                _ => throw new ArgumentException("Only RSA and EC keys are published.", nameof(keys)),
            };
            return new Dictionary<string, string?>
            {
                ["kty"] = jwk.Kty, ["kid"] = jwk.Kid, ["use"] = "sig", ["n"] = jwk.N, ["e"] = jwk.E,
                ["crv"] = jwk.Crv, ["x"] = jwk.X, ["y"] = jwk.Y,
            }.Where(p => p.Value is not null).ToDictionary();
        }),
    });

    private static string DefaultAlgorithm(SecurityKey key) => key is ECDsaSecurityKey ? SecurityAlgorithms.EcdsaSha256 : SecurityAlgorithms.RsaSha256;
}

/// <summary>Everything about a test token; defaults make a valid support-agent access token.</summary>
public sealed class TokenSpec
{
    public required SecurityKey SigningKey { get; set; }

    public string? Algorithm { get; set; }

    public string? Issuer { get; set; } = TestIdentityProvider.Issuer;

    public string? Audience { get; set; } = TestIdentityProvider.Audience;

    public string Type { get; set; } = "at+jwt";

    /// <summary>exp relative to now; null leaves exp (and iat/nbf) out.</summary>
    public TimeSpan? Expires { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan? NotBefore { get; set; }

    /// <summary>The clock that iat, nbf and exp count from: a gateway's fake clock; null: the machine's.</summary>
    public TimeProvider? Clock { get; set; }

    public Dictionary<string, object> Header { get; } = [];

    public Dictionary<string, object> Claims { get; } = new()
    {
        ["sub"] = "user-1",
        ["client_id"] = "app-1",
        ["jti"] = Guid.NewGuid().ToString("N"),
        ["roles"] = new[] { "crm-support" },
        ["amr"] = new[] { "pwd" },
    };
}
