using Gateway.Transport;

namespace Gateway.Upstream;

/// <summary>Settings under <c>Gateway:Upstream</c>: how the gateway talks to the CRM.</summary>
internal sealed class UpstreamOptions
{
    public const string Section = "Gateway:Upstream";

    /// <summary>Allows http:// CRM destinations. Local development only: logged as a warning at every start.</summary>
    public bool AllowInsecure { get; set; }

    /// <summary>PEM bundle of CA certificates that the CRM's certificate must chain to, instead of the system store (private CAs).</summary>
    public string? TrustedCaPath { get; set; }

    public UpstreamCredentialOptions Credential { get; set; } = new();

    /// <summary>The certificate the gateway presents when the CRM asks for one (mutual TLS); null: none.</summary>
    public CertificateOptions? ClientCertificate { get; set; }

    public RequestHeadersOptions RequestHeaders { get; set; } = new();
}

/// <summary>Which of the client's request headers reach the CRM: only those listed; every other one is removed.</summary>
internal sealed class RequestHeadersOptions
{
    /// <summary>
    /// Header names, or prefixes ending in <c>*</c>, forwarded to the CRM. Empty means
    /// <see cref="RequestHeaderPolicy.DefaultAllowed"/>; a configured list replaces that set (the
    /// configuration binder would append to a pre-filled list, so it starts empty). A route adds
    /// names of its own with the YARP metadata <c>AllowRequestHeaders</c>.
    /// </summary>
    public List<string> Allow { get; set; } = [];

    public IReadOnlyList<string> EffectiveAllow => Allow.Count == 0 ? RequestHeaderPolicy.DefaultAllowed : Allow;
}

/// <summary>
/// The credential the gateway holds for the CRM; clients never see it and never send their own.
/// Either a static header value (<see cref="CredentialKinds.Static"/>) or an OAuth 2.0 access token
/// the gateway obtains and refreshes itself.
/// </summary>
internal sealed class UpstreamCredentialOptions
{
    /// <summary><c>static</c>, <c>client_credentials</c> or <c>jwt_bearer</c> (<see cref="CredentialKinds"/>).</summary>
    public string Kind { get; set; } = CredentialKinds.Static;

    /// <summary>Header the credential is sent in. OAuth kinds send <c>Authorization: Bearer</c>, so this stays <c>Authorization</c> for them.</summary>
    public string Header { get; set; } = "Authorization";

    /// <summary>Kind static: file holding the complete header value (e.g. <c>Bearer abc...</c>); re-read when it changes.</summary>
    public string? ValueFile { get; set; }

    /// <summary>Kind static: environment variable holding the complete header value (alternative to ValueFile).</summary>
    public string? ValueEnvironmentVariable { get; set; }

    /// <summary>How often secret files (the value, client secret, private key, certificate) are checked for a new version.</summary>
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>OAuth kinds: the authorization server's token endpoint (https).</summary>
    public string? TokenEndpoint { get; set; }

    /// <summary>OAuth kinds: the client id (Salesforce: the connected app's consumer key).</summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// Kind client_credentials: how the client proves itself: <c>client_secret_post</c> (secret in the
    /// form body, the default), <c>client_secret_basic</c> (HTTP Basic) or <c>private_key_jwt</c> (an
    /// assertion signed with <see cref="PrivateKeyFile"/>, naming <see cref="CertificateFile"/>).
    /// </summary>
    public string ClientAuthentication { get; set; } = ClientAuthentications.SecretPost;

    /// <summary>Client secret file (client_secret_post / client_secret_basic); re-read when it changes.</summary>
    public string? ClientSecretFile { get; set; }

    /// <summary>Environment variable holding the client secret (alternative to ClientSecretFile).</summary>
    public string? ClientSecretEnvironmentVariable { get; set; }

    /// <summary>Space-separated scopes requested (Dynamics 365: <c>https://org.crm.dynamics.com/.default</c>).</summary>
    public string? Scope { get; set; }

    /// <summary>Kind client_credentials: the <c>resource</c> parameter (Microsoft Entra v1 endpoints).</summary>
    public string? Resource { get; set; }

    /// <summary>Kind jwt_bearer: the assertion's <c>sub</c> (Salesforce: the integration user's username).</summary>
    public string? Subject { get; set; }

    /// <summary>
    /// The assertion's <c>aud</c>. Kind jwt_bearer: required (Salesforce: <c>https://login.salesforce.com</c>,
    /// <c>https://test.salesforce.com</c> for sandboxes). private_key_jwt: defaults to the token endpoint.
    /// </summary>
    public string? Audience { get; set; }

    /// <summary>PEM RSA private key that signs assertions (jwt_bearer, private_key_jwt); re-read when it changes.</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>Environment variable holding that PEM key (alternative to PrivateKeyFile).</summary>
    public string? PrivateKeyEnvironmentVariable { get; set; }

    /// <summary>private_key_jwt: PEM certificate of <see cref="PrivateKeyFile"/>, named in the assertion's <c>x5t</c> header (Entra).</summary>
    public string? CertificateFile { get; set; }

    /// <summary>How long a signed assertion is valid: at most 3 minutes (Salesforce refuses longer).</summary>
    public TimeSpan AssertionLifetime { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>How long one token request may take before it counts as failed.</summary>
    public TimeSpan TokenRequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>After a failed token request, how long requests without a valid token are refused (503) before the next attempt.</summary>
    public TimeSpan RetryAfterFailure { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Lifetime assumed when the token response has no <c>expires_in</c> (Salesforce sends none: its org's session timeout applies).</summary>
    public TimeSpan AssumedLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Send requests to the token response's <c>instance_url</c> (Salesforce) instead of the cluster's destination host.</summary>
    public bool UseInstanceUrl { get; set; }

    /// <summary>Hosts an <c>instance_url</c> may name: <c>acme.my.salesforce.com</c>, <c>*.my.salesforce.com</c>; <c>host:port</c> for a port other than 443.</summary>
    public List<string> InstanceUrlHosts { get; set; } = [];

    /// <summary>PEM bundle of CAs the token endpoint's certificate must chain to; null: the system trust store.</summary>
    public string? TrustedCaPath { get; set; }

    public bool IsOAuth => Kind is CredentialKinds.ClientCredentials or CredentialKinds.JwtBearer;
}

/// <summary>The values of <c>Gateway:Upstream:Credential:Kind</c>.</summary>
internal static class CredentialKinds
{
    public const string Static = "static";
    public const string ClientCredentials = "client_credentials";
    public const string JwtBearer = "jwt_bearer";

    public static readonly string[] All = [Static, ClientCredentials, JwtBearer];
}

/// <summary>The values of <c>Gateway:Upstream:Credential:ClientAuthentication</c> (RFC 8414 names).</summary>
internal static class ClientAuthentications
{
    public const string SecretPost = "client_secret_post";
    public const string SecretBasic = "client_secret_basic";
    public const string PrivateKeyJwt = "private_key_jwt";

    public static readonly string[] All = [SecretPost, SecretBasic, PrivateKeyJwt];
}
