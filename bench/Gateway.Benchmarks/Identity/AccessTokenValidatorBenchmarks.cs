using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Gateway.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Benchmarks.Identity;

/// <summary>
/// Token validation as the identity stage does it. Target: a token seen before (cached) costs
/// under 2 µs; a new one costs one signature check. Memoized: the same token string again on one
/// keep-alive connection, as Kestrel hands it back. Strict pre-parse: the strict reading of a token
/// not validated before (canonical base64url, one JSON object each, no duplicate member, numeric
/// dates, iat), which the uncached paths include.
/// </summary>
[MemoryDiagnoser]
public class AccessTokenValidatorBenchmarks
{
    private const string Issuer = "https://idp.bench.invalid";
    private readonly string _jwksPath = Path.GetTempFileName();
    private IssuerRegistry _issuers = null!;
    private AccessTokenValidator _uncached = null!;
    private AccessTokenValidator _cached = null!;
    private string _rs256 = string.Empty;
    private string _es256 = string.Empty;
    private ConnectionTokenMemo _memo = null!;

    [GlobalSetup]
    public async Task SetUp()
    {
        var rsa = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "rsa" };
        var ec = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "ec" };
        var rsaJwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.Rsa.ExportParameters(false)) { KeyId = "rsa" });
        var ecJwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(ec.ECDsa.ExportParameters(false))) { KeyId = "ec" });
        await File.WriteAllTextAsync(_jwksPath, System.Text.Json.JsonSerializer.Serialize(new
        {
            keys = new object[]
            {
                new { kty = "RSA", kid = "rsa", use = "sig", n = rsaJwk.N, e = rsaJwk.E },
                new { kty = "EC", kid = "ec", use = "sig", crv = ecJwk.Crv, x = ecJwk.X, y = ecJwk.Y },
            },
        }));
        var options = new IdentityOptions
        {
            Issuers =
            [
                new IssuerOptions
                {
                    Name = "bench", Issuer = Issuer, JwksPath = _jwksPath, Audiences = ["crm-gateway"],
                    RoleClaims = ["roles"], RoleMap = new() { ["crm-support"] = "support-agent" },
                },
            ],
        };
        _issuers = new IssuerRegistry(Options.Create(options), TimeProvider.System, NullLoggerFactory.Instance);
        var mfa = new MfaFacts(options.EffectiveMfaAmrValues, options.MfaAcrValues);
        _uncached = new AccessTokenValidator(_issuers, new ValidatedTokenCache(0), mfa, TimeProvider.System, options.MaxTokenBytes, options.ClockSkew);
        _cached = new AccessTokenValidator(_issuers, new ValidatedTokenCache(options.TokenCacheSize), mfa, TimeProvider.System, options.MaxTokenBytes, options.ClockSkew);
        _rs256 = Mint(rsa, SecurityAlgorithms.RsaSha256);
        _es256 = Mint(ec, SecurityAlgorithms.EcdsaSha256);
        _memo = new ConnectionTokenMemo();
        if ((await _cached.ValidateAsync(_rs256.AsMemory(), _memo, default)).Identity is null || (await _uncached.ValidateAsync(_es256.AsMemory(), default)).Identity is null)
        {
            throw new InvalidOperationException("The benchmark tokens do not validate; the figures would measure a refusal.");
        }
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _issuers.Dispose();
        File.Delete(_jwksPath);
    }

    [Benchmark]
    public async Task<object?> Uncached_RS256() => (await _uncached.ValidateAsync(_rs256.AsMemory(), default)).Identity;

    [Benchmark]
    public async Task<object?> Uncached_ES256() => (await _uncached.ValidateAsync(_es256.AsMemory(), default)).Identity;

    [Benchmark(Baseline = true)]
    public async Task<object?> Cached_RS256() => (await _cached.ValidateAsync(_rs256.AsMemory(), default)).Identity;

    [Benchmark]
    public async Task<object?> Memoized_RS256() => (await _cached.ValidateAsync(_rs256.AsMemory(), _memo, default)).Identity;

    [Benchmark]
    public string? StrictPreParse_RS256() => StrictCompactJws.FindFault(_rs256, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private static string Mint(SecurityKey key, string algorithm) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = "crm-gateway",
        TokenType = "at+jwt",
        Expires = DateTime.UtcNow.AddHours(2),
        SigningCredentials = new SigningCredentials(key, algorithm),
        Claims = new Dictionary<string, object>
        {
            ["sub"] = "user-1", ["client_id"] = "app", ["jti"] = Guid.NewGuid().ToString("N"),
            ["roles"] = new[] { "crm-support" }, ["amr"] = new[] { "pwd", "mfa" },
        },
    });
}
