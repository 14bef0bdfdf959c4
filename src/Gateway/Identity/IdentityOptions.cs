namespace Gateway.Identity;

/// <summary>Settings under <c>Gateway:Identity</c>: which access tokens the gateway accepts and what they mean.</summary>
internal sealed class IdentityOptions
{
    public const string Section = "Gateway:Identity";

    /// <summary>
    /// Off serves every caller as an anonymous one without roles (the rules' default action for
    /// every class). For benchmarks and diagnosis only; warned about at every start.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The identity providers whose access tokens are accepted; at least one.</summary>
    public List<IssuerOptions> Issuers { get; set; } = [];

    /// <summary>Tolerance for clock differences on exp, nbf and iat (a token issued later than now plus this is refused).</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Tokens larger than this are refused before they are parsed.</summary>
    public int MaxTokenBytes { get; set; } = 8 * 1024;

    /// <summary>Most validated tokens kept, so a reused token pays the signature check once.</summary>
    public int TokenCacheSize { get; set; } = 10_000;

    /// <summary><c>amr</c> values that mean a second factor was used.</summary>
    public List<string> MfaAmrValues { get; set; } = [];

    /// <summary><c>acr</c> values that mean a second factor was used.</summary>
    public List<string> MfaAcrValues { get; set; } = [];

    public RevocationOptions Revocation { get; set; } = new();

    public IReadOnlyList<string> EffectiveMfaAmrValues => MfaAmrValues.Count > 0 ? MfaAmrValues : ["mfa", "otp", "hwk", "swk", "fido", "sc"];
}

internal sealed class IssuerOptions
{
    /// <summary>A short name used in logs, metrics and audit events (never the token's contents).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The exact <c>iss</c> value; compared ordinally (no trailing-slash or case leniency).</summary>
    public string Issuer { get; set; } = string.Empty;

    /// <summary>OIDC discovery base (<c>/.well-known/openid-configuration</c> is appended); keys are refreshed and rotated from its JWKS.</summary>
    public string? Authority { get; set; }

    /// <summary>A JWKS file for air-gapped sites (reloaded when it changes); alternative to Authority.</summary>
    public string? JwksPath { get; set; }

    /// <summary>A file holding a base64 symmetric key (at least 256 bits): only then may HS256/384/512 tokens be accepted; they must carry <c>kid</c> = <see cref="Name"/>.</summary>
    public string? SymmetricKeyFile { get; set; }

    /// <summary>Accepted <c>aud</c> values; at least one.</summary>
    public List<string> Audiences { get; set; } = [];

    /// <summary>Accepted <c>alg</c> values; empty means RS256, PS256, ES256 (plus HS256 with a symmetric key).</summary>
    public List<string> ValidAlgorithms { get; set; } = [];

    /// <summary>Accepted <c>typ</c> header values; empty means RFC 9068 access tokens only (<c>at+jwt</c>).</summary>
    public List<string> ValidTypes { get; set; } = [];

    /// <summary>Claims that carry role-like values: plain names, dotted paths into objects (<c>realm_access.roles</c>); strings are split on spaces (scopes).</summary>
    public List<string> RoleClaims { get; set; } = [];

    /// <summary>Identity-provider value (group, scope, role) to gateway role.</summary>
    public Dictionary<string, string> RoleMap { get; set; } = [];

    /// <summary>Claim naming the OAuth client; <c>client_id</c> (RFC 9068) falls back to <c>azp</c>.</summary>
    public string ClientIdClaim { get; set; } = "client_id";

    /// <summary>Claim naming the purpose the token was issued for (see Gateway:Purposes).</summary>
    public string PurposeClaim { get; set; } = "purpose";

    /// <summary>Least time between forced key refreshes when a token names an unknown key.</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Keys are re-fetched at least this often, so a removed key stops validating.</summary>
    public TimeSpan KeyAutomaticRefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>PEM bundle of CAs the discovery endpoint's certificate must chain to; null: the system trust store.</summary>
    public string? TrustedCaPath { get; set; }

    public IReadOnlyList<string> EffectiveValidAlgorithms => ValidAlgorithms.Count > 0
        ? ValidAlgorithms
        : SymmetricKeyFile is null ? ["RS256", "PS256", "ES256"] : ["RS256", "PS256", "ES256", "HS256"];

    public IReadOnlyList<string> EffectiveValidTypes => ValidTypes.Count > 0 ? ValidTypes : ["at+jwt", "application/at+jwt"];

    public IReadOnlyList<string> EffectiveRoleClaims => RoleClaims.Count > 0 ? RoleClaims : ["roles"];
}

internal sealed class RevocationOptions
{
    /// <summary>null: on when Gateway:Redis:Configuration is set (a warning is logged when off). true without Redis is an error.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Prefix of the Redis keys and channel the denylist and the registry of instances use.</summary>
    public string KeyPrefix { get; set; } = "gateway:revocations";

    /// <summary>The denylist is re-read at least this often, even if a change notification was missed.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>If the denylist could not be read for this long, requests get 503 rather than trust a stale list; also how long an instance counts as live in the registry after its last report.</summary>
    public TimeSpan MaxStaleness { get; set; } = TimeSpan.FromMinutes(2);
}
