using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gateway.Demo;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.Tokens;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Gateway.IntegrationTests.Identity;

/// <summary>
/// Known JWT attacks, each built with real keys, with the reason code the gateway must record.
/// The attacker's JWKS host (for jku/x5u) is a real server that must never be contacted.
/// </summary>
public static class AttackTokens
{
    private static readonly TestIdentityProvider Idp = TestIdentityProvider.Shared;
    private static readonly RsaSecurityKey AttackerKey = new(RSA.Create(2048)) { KeyId = "attacker-1" };
    private static readonly Lazy<WireMockServer> AttackerHostInstance = new(() =>
    {
        var server = WireMockServer.Start();
        server.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithStatusCode(200)
            .WithHeader("Content-Type", "application/json").WithBody(TestIdentityProvider.Jwks(AttackerKey)));
        return server;
    });

    /// <summary>The attacker's key server: its request count must stay zero.</summary>
    public static WireMockServer AttackerHost => AttackerHostInstance.Value;

    private static readonly Dictionary<string, (Func<string> Token, string Reason)> Catalog = new()
    {
        ["alg none"] = (() => Unsigned("none"), "alg_not_allowed"),
        ["alg None"] = (() => Unsigned("None"), "alg_not_allowed"),
        ["alg NONE"] = (() => Unsigned("NONE"), "alg_not_allowed"),
        ["alg none with a signature attached"] = (() => Unsigned("none") + Idp.Mint().Split('.')[2], "alg_not_allowed"),
        ["HS256 keyed with the RSA public key (PEM)"] = (() => Hmac(Encoding.ASCII.GetBytes(Idp.RsaPublicKeyPem), "HS256", null), "alg_not_allowed"),
        ["HS256 keyed with the RSA public key (DER)"] = (() => Hmac(Idp.RsaPublicKeyDer, "HS256", null), "alg_not_allowed"),
        ["HS256 keyed with the JWK modulus n"] = (() => Hmac(Idp.RsaKey.Rsa.ExportParameters(false).Modulus!, "HS256", null), "alg_not_allowed"),
        ["HS256 keyed with the PEM, naming the RSA kid"] = (() => Hmac(Encoding.ASCII.GetBytes(Idp.RsaPublicKeyPem), "HS256", "rsa-1"), "alg_not_allowed"),
        ["HS512 keyed with the PEM"] = (() => Hmac(Encoding.ASCII.GetBytes(Idp.RsaPublicKeyPem), "HS512", "rsa-1"), "alg_not_allowed"),
        ["embedded jwk header, attacker kid"] = (() => Attacker(header => header["jwk"] = PublicJwk(AttackerKey)), "unknown_key"),
        ["embedded jwk header, victim kid"] = (() => Attacker(header => header["jwk"] = PublicJwk(AttackerKey), kid: "rsa-1"), "bad_signature"),
        ["jku to attacker JWKS, attacker kid"] = (() => Attacker(header => header["jku"] = AttackerHost.Url + "/jwks.json"), "unknown_key"),
        ["jku to attacker JWKS, victim kid"] = (() => Attacker(header => header["jku"] = AttackerHost.Url + "/jwks.json", kid: "rsa-1"), "bad_signature"),
        ["x5u to attacker certificate"] = (() => Attacker(header => header["x5u"] = AttackerHost.Url + "/cert.pem"), "unknown_key"),
        ["x5c with attacker certificate"] = (() => Attacker(header => header["x5c"] = new[] { AttackerCertificate() }), "unknown_key"),
        ["kid path traversal"] = (() => Attacker(_ => { }, kid: "../../../../../../dev/null"), "unknown_key"),
        ["kid absolute path"] = (() => Attacker(_ => { }, kid: "/etc/passwd"), "unknown_key"),
        ["kid SQL injection"] = (() => Attacker(_ => { }, kid: "x' UNION SELECT 'key"), "unknown_key"),
        ["unknown kid signed by a real key"] = (() => Idp.Mint(spec => spec.SigningKey = Renamed(Idp.RsaKey, "rsa-2")), "unknown_key"),
        ["no kid"] = (() => Idp.Mint(spec => spec.SigningKey = Renamed(Idp.RsaKey, null)), "unknown_key"),
        ["attacker key with victim kid"] = (() => Attacker(_ => { }, kid: "rsa-1"), "bad_signature"),
        ["EC signature under the RSA kid"] = (() => Idp.Mint(spec => spec.SigningKey = Renamed(Idp.EcKey, "rsa-1")), "bad_signature"),
        ["expired beyond the skew"] = (() => Idp.Mint(spec => spec.Expires = TimeSpan.FromMinutes(-2)), "token_expired"),
        ["nbf in the future"] = (() => Idp.Mint(spec => spec.NotBefore = TimeSpan.FromMinutes(5)), "token_not_yet_valid"),
        ["missing exp"] = (() => Idp.Mint(spec => spec.Expires = null), "exp_missing"),
        ["foreign iss"] = (() => Idp.Mint(spec => spec.Issuer = "https://evil.example"), "issuer_unknown"),
        ["iss with trailing slash"] = (() => Idp.Mint(spec => spec.Issuer = TestIdentityProvider.Issuer + "/"), "issuer_unknown"),
        ["iss in other case"] = (() => Idp.Mint(spec => spec.Issuer = TestIdentityProvider.Issuer.ToUpperInvariant()), "issuer_unknown"),
        ["iss missing"] = (() => Idp.Mint(spec => spec.Issuer = null), "issuer_unknown"),
        ["demo issuer's token"] = (() => Idp.Mint(spec => spec.Issuer = DemoTokenIssuer.Issuer), "issuer_unknown"),
        ["wrong aud"] = (() => Idp.Mint(spec => spec.Audience = "payments-api"), "audience_invalid"),
        ["aud array of foreign values"] = (() => Idp.Mint(spec => { spec.Audience = null; spec.Claims["aud"] = new[] { "payments-api", "crm-gateway-2" }; }), "audience_invalid"),
        ["aud missing"] = (() => Idp.Mint(spec => spec.Audience = null), "audience_invalid"),
        ["unknown crit (exp)"] = (() => Idp.Mint(spec => spec.Header["crit"] = new[] { "exp" }), "crit_unsupported"),
        ["crit b64 unencoded payload"] = (() => Idp.Mint(spec => { spec.Header["crit"] = new[] { "b64" }; spec.Header["b64"] = false; }), "crit_unsupported"),
        ["tampered payload"] = (() => Tampered(Idp.Mint()), "bad_signature"),
        ["stripped signature"] = (() => string.Join('.', Idp.Mint().Split('.')[..2]) + ".", "bad_signature"),
        ["two segments"] = (() => string.Join('.', Idp.Mint().Split('.')[..2]), "token_malformed"),
        ["four segments"] = (() => Idp.Mint() + ".AAAA", "token_malformed"),
        ["garbage segments"] = (() => "abc.def.ghi", "token_malformed_encoding"),
        ["segments of base64url that is not JSON"] = (() => "abc.abc.abc", "token_malformed"),
        ["oversize token"] = (() => Idp.Mint(spec => spec.Claims["padding"] = new string('a', 20_000)), "token_too_large"),
        ["JWE with a compression bomb"] = (() => CompressionBombJwe(), "jwe_not_accepted"),
        ["ID token (typ JWT) where an access token is required"] = (() => Idp.Mint(spec => spec.Type = "JWT"), "type_invalid"),
        ["typ of another token kind"] = (() => Idp.Mint(spec => spec.Type = "logout+jwt"), "type_invalid"),
        ["ES256 token re-labelled RS256"] = (() => Relabelled(Idp.Mint(spec => spec.SigningKey = Idp.EcKey), "RS256", "ec-1"), "bad_signature"),
        ["subject missing"] = (() => Idp.Mint(spec => spec.Claims.Remove("sub")), "subject_missing"),
        ["iat in the future beyond the skew"] = (() => Idp.SignJson(Header, Payload(dates: Dates(iat: now => $"{now + 300}"))), "token_issued_in_future"),
        ["iat as a string"] = (() => Idp.SignJson(Header, Payload(dates: Dates(iat: now => $"\"{now}\""))), "token_claim_type"),
        ["nbf as a string"] = (() => Idp.SignJson(Header, Payload(dates: Dates(nbf: now => $"\"{now}\""))), "token_claim_type"),
        ["exp as a string"] = (() => Idp.SignJson(Header, Payload(dates: Dates(exp: now => $"\"{now + 600}\""))), "token_claim_type"),
        ["exp as a string under an escaped name"] = (() => Idp.SignJson(Header, Payload(dates: Dates(exp: now => $"\"{now + 600}\"", expName: "\\u0065xp"))), "token_claim_type"),
        ["signature with = padding"] = (() => Idp.Mint() + "==", "token_malformed_encoding"),
        ["signature with non-zero trailing bits"] = (() => WithTrailingBits(Idp.Mint()), "token_malformed_encoding"),
        ["signature in the base64 (not url) alphabet"] = (() => StandardAlphabetSignature(), "token_malformed_encoding"),
        ["signature split by a tab"] = (() => WithTabInSignature(Idp.Mint()), "token_malformed_encoding"),
        ["header with = padding, signed"] = (() => Idp.SignSegments(Convert.ToBase64String(Encoding.UTF8.GetBytes(Header)), Segment(Payload())), "token_malformed_encoding"),
        ["payload with non-zero trailing bits, signed"] = (() => Idp.SignSegments(Segment(Header), WithTrailingBits(Segment(Payload()))), "token_malformed_encoding"),
        ["duplicate alg in the header (none, then RS256)"] = (() => Idp.SignJson("""{"alg":"none","alg":"RS256","kid":"rsa-1","typ":"at+jwt"}""", Payload()), "token_duplicate_member"),
        ["duplicate sub in the payload"] = (() => Idp.SignJson(Header, "{\"sub\":\"admin\"," + Payload()[1..]), "token_duplicate_member"),
        ["duplicate sub written with an escape"] = (() => Idp.SignJson(Header, "{\"\\u0073ub\":\"admin\"," + Payload()[1..]), "token_duplicate_member"),
        ["duplicate member in a nested object"] = (() => Idp.SignJson(Header, Payload(",\"realm_access\":{\"roles\":[\"crm-compliance\"],\"roles\":[\"crm-support\"]}")), "token_duplicate_member"),
        ["header a JSON array"] = (() => Idp.SignJson("[" + Header + "]", Payload()), "token_malformed"),
        ["data after the payload object"] = (() => Idp.SignJson(Header, Payload() + "{}"), "token_malformed"),
        ["nested JWT (cty JWT, payload a signed token)"] = (() => Idp.SignSegments(Segment("""{"alg":"RS256","kid":"rsa-1","typ":"at+jwt","cty":"JWT"}"""), Segment(Idp.Mint())), "token_malformed"),
        ["crit written with an escape"] = (() => Idp.SignJson("""{"alg":"RS256","kid":"rsa-1","typ":"at+jwt","cr\u0069t":["exp"]}""", Payload()), "crit_unsupported"),
    };

    private const string Header = TestIdentityProvider.RsaHeaderJson;

    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (var name in Catalog.Keys)
        {
            names.Add(name);
        }
        return names;
    }

    public static int Count => Catalog.Count;

    public static string Token(string name) => Catalog[name].Token();

    public static string Reason(string name) => Catalog[name].Reason;

    private static string Unsigned(string alg) =>
        $"{Segment($$"""{"alg":"{{alg}}","typ":"at+jwt"}""")}.{Idp.Mint().Split('.')[1]}.";

    private static string Hmac(byte[] secret, string alg, string? kid) => TestIdentityProvider.Mint(new TokenSpec
    {
        SigningKey = new SymmetricSecurityKey(secret) { KeyId = kid },
        Algorithm = alg,
    });

    private static string Attacker(Action<Dictionary<string, object>> header, string? kid = null)
    {
        var spec = new TokenSpec { SigningKey = kid is null ? AttackerKey : Renamed(AttackerKey, kid) };
        header(spec.Header);
        return TestIdentityProvider.Mint(spec);
    }

    private static SecurityKey Renamed(SecurityKey key, string? kid) => key switch
    {
        RsaSecurityKey rsa => new RsaSecurityKey(rsa.Rsa) { KeyId = kid },
        ECDsaSecurityKey ec => new ECDsaSecurityKey(ec.ECDsa) { KeyId = kid },
        _ => throw new ArgumentException("RSA or EC only.", nameof(key)),
    };

    private static Dictionary<string, string> PublicJwk(RsaSecurityKey key)
    {
        var parameters = key.Rsa.ExportParameters(false);
        return new() { ["kty"] = "RSA", ["kid"] = key.KeyId, ["n"] = Base64UrlEncoder.Encode(parameters.Modulus!), ["e"] = Base64UrlEncoder.Encode(parameters.Exponent!) };
    }

    private static string AttackerCertificate()
    {
        var request = new CertificateRequest("CN=attacker", AttackerKey.Rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return Convert.ToBase64String(certificate.RawData);
    }

    private static string Tampered(string token)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"user-1\"", "\"admin\"", StringComparison.Ordinal);
        return $"{parts[0]}.{Segment(payload)}.{parts[2]}";
    }

    private static string Relabelled(string token, string alg, string kid)
    {
        var parts = token.Split('.');
        return $"{Segment($$"""{"alg":"{{alg}}","kid":"{{kid}}","typ":"at+jwt"}""")}.{parts[1]}.{parts[2]}";
    }

    /// <summary>A JWE whose compressed content would inflate a thousandfold; it must be refused before any decryption or inflation.</summary>
    private static string CompressionBombJwe()
    {
        var header = Segment("""{"alg":"dir","enc":"A256GCM","zip":"DEF","kid":"rsa-1"}""");
        using var compressed = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(new byte[4 * 1024 * 1024]);
        }
        return $"{header}..{Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(12))}.{Base64UrlEncoder.Encode(compressed.ToArray())}.{Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16))}";
    }

    private static string Segment(string json) => TestIdentityProvider.Segment(json);

    private static string Payload(string extraMembers = "", string? dates = null) => TestIdentityProvider.PayloadJson(extraMembers, dates);

    /// <summary>The iat, nbf and exp members, each written by its function of the Unix time now (default: a number, exp ten minutes on).</summary>
    private static string Dates(Func<long, string>? iat = null, Func<long, string>? nbf = null, Func<long, string>? exp = null, string expName = "exp")
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return $"\"iat\":{(iat ?? Number)(now)},\"nbf\":{(nbf ?? Number)(now)},\"{expName}\":{(exp ?? (n => Number(n + 600)))(now)}";

        static string Number(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The same token with its last segment's unused final bits set: other text for the same bytes.</summary>
    private static string WithTrailingBits(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var unusedBits = (text.Length % 4) switch
        {
            2 => 0b1111,
            3 => 0b11,
            _ => throw new ArgumentException("The text has no unused final bits; it is a multiple of four characters long.", nameof(text)),
        };
        var last = Alphabet.IndexOf(text[^1], StringComparison.Ordinal);
        return text[..^1] + Alphabet[last | unusedBits];
    }

    /// <summary>Whitespace a lenient decoder skips, a hundred characters before the end (inside the signature).</summary>
    private static string WithTabInSignature(string token) => token.Insert(token.Length - 100, "\t");

    /// <summary>A token whose signature is written with + and / for - and _ (the same bytes in the other base64 alphabet).</summary>
    private static string StandardAlphabetSignature()
    {
        while (true)
        {
            var parts = Idp.Mint().Split('.');
            if (parts[2].AsSpan().IndexOfAny('-', '_') >= 0)
            {
                return $"{parts[0]}.{parts[1]}.{parts[2].Replace('-', '+').Replace('_', '/')}";
            }
        }
    }
}
