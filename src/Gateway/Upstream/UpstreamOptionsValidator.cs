using Gateway.Configuration;
using Gateway.Routing;
using Gateway.Transport;
using Microsoft.Extensions.Options;

namespace Gateway.Upstream;

internal sealed class UpstreamOptionsValidator(IConfiguration configuration) : IValidateOptions<UpstreamOptions>
{
    public ValidateOptionsResult Validate(string? name, UpstreamOptions options)
    {
        var errors = new ValidationErrors();
        if (!configuration.GetSection("ReverseProxy:Routes").GetChildren().Any())
        {
            errors.Add("ReverseProxy:Routes", "no route is configured, so the gateway would forward nothing.");
        }
        foreach (var (path, message) in UpstreamTlsPolicy.Check(configuration, options.AllowInsecure))
        {
            errors.Add(path, message);
        }
        if (options.TrustedCaPath is not null)
        {
            errors.RequireFile("Gateway:Upstream:TrustedCaPath", options.TrustedCaPath, "the CA bundle");
        }
        ValidateCredential(errors, options.Credential, options.AllowInsecure);
        ValidateClientCertificate(errors, options.ClientCertificate);
        foreach (var (path, message) in RequestHeaderPolicy.Check(options))
        {
            errors.Add(path, message);
        }
        var neverForwarded = RequestHeaderPolicy.NeverForwarded(options.Credential.Header);
        foreach (var route in configuration.GetSection("ReverseProxy:Routes").GetChildren())
        {
            // The same reading as when YARP loads the route (RoutePolicyConfigFilter), here so that
            // start-up lists every problem at once, with the other settings'.
            var metadata = route.GetSection("Metadata").GetChildren().ToDictionary(entry => entry.Key, entry => entry.Value!, StringComparer.OrdinalIgnoreCase);
            foreach (var (path, message) in RoutePolicyReader.Read(route.Key, metadata, neverForwarded, out _).Concat(RequestHeaderPolicy.CheckTransforms(route)))
            {
                errors.Add(path, message);
            }
        }
        return errors.ToResult();
    }

    private static void ValidateCredential(ValidationErrors errors, UpstreamCredentialOptions credential, bool allowInsecure)
    {
        const string path = "Gateway:Upstream:Credential";
        if (!HeaderName.IsValid(credential.Header))
        {
            errors.Add($"{path}:Header", $"'{credential.Header}' is not a valid header name.");
        }
        if (credential.ReloadCheckInterval <= TimeSpan.Zero)
        {
            errors.Add($"{path}:ReloadCheckInterval", "must be positive.");
        }
        switch (credential.Kind)
        {
            case CredentialKinds.Static:
                ValidateStatic(errors, credential);
                break;
            case CredentialKinds.ClientCredentials or CredentialKinds.JwtBearer:
                ValidateOAuth(errors, credential, allowInsecure);
                break;
            default:
                errors.Add($"{path}:Kind", $"'{credential.Kind}' is not one of {string.Join(", ", CredentialKinds.All)}.");
                break;
        }
    }

    private static void ValidateStatic(ValidationErrors errors, UpstreamCredentialOptions credential)
    {
        const string path = "Gateway:Upstream:Credential";
        switch (credential.ValueFile, credential.ValueEnvironmentVariable)
        {
            case (null, null):
                errors.Add(path, "set ValueFile or ValueEnvironmentVariable: the gateway must hold the CRM credential so that clients never do.");
                break;
            case ({ }, { }):
                errors.Add(path, "set only one of ValueFile and ValueEnvironmentVariable.");
                break;
            case ({ } file, null):
                errors.RequireFile($"{path}:ValueFile", file, "the credential file");
                break;
            case (null, { } variable) when string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(variable)):
                errors.Add($"{path}:ValueEnvironmentVariable", $"environment variable '{variable}' is not set or empty.");
                break;
        }
        foreach (var setting in OAuthSettingsSet(credential))
        {
            errors.Add($"{path}:{setting}", "applies to the OAuth kinds (client_credentials, jwt_bearer) only; Kind is static.");
        }
    }

    private static void ValidateOAuth(ValidationErrors errors, UpstreamCredentialOptions credential, bool allowInsecure)
    {
        const string path = "Gateway:Upstream:Credential";
        var kind = credential.Kind;
        var earlierErrors = errors.Count;
        if (!string.Equals(credential.Header, "Authorization", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{path}:Header", $"kind {kind} sends the access token as 'Authorization: Bearer'; leave Header at Authorization.");
        }
        Forbid(errors, credential.ValueFile, "ValueFile", kind);
        Forbid(errors, credential.ValueEnvironmentVariable, "ValueEnvironmentVariable", kind);
        if (string.IsNullOrWhiteSpace(credential.TokenEndpoint))
        {
            errors.Add($"{path}:TokenEndpoint", $"kind {kind} needs the authorization server's token endpoint.");
        }
        else if (UpstreamTlsPolicy.CheckAddress(credential.TokenEndpoint, allowInsecure) is { } problem)
        {
            errors.Add($"{path}:TokenEndpoint", problem);
        }
        else if (new Uri(credential.TokenEndpoint).UserInfo.Length > 0 || new Uri(credential.TokenEndpoint).Fragment.Length > 0)
        {
            errors.Add($"{path}:TokenEndpoint", "must not hold user info or a fragment.");
        }
        if (string.IsNullOrWhiteSpace(credential.ClientId))
        {
            errors.Add($"{path}:ClientId", kind == CredentialKinds.JwtBearer
                ? "kind jwt_bearer needs the client id (Salesforce: the connected app's consumer key), the assertion's issuer."
                : "kind client_credentials needs the client id.");
        }
        if (kind == CredentialKinds.JwtBearer)
        {
            Require(errors, credential.Subject, "Subject", "kind jwt_bearer needs the assertion's subject (Salesforce: the integration user's username).");
            Require(errors, credential.Audience, "Audience", "kind jwt_bearer needs the assertion's audience (Salesforce: https://login.salesforce.com, or https://test.salesforce.com for a sandbox).");
            Forbid(errors, credential.Resource, "Resource", kind);
            Forbid(errors, credential.CertificateFile, "CertificateFile", kind);
            Forbid(errors, credential.ClientSecretFile, "ClientSecretFile", kind);
            Forbid(errors, credential.ClientSecretEnvironmentVariable, "ClientSecretEnvironmentVariable", kind);
            ValidateSource(errors, credential.PrivateKeyFile, credential.PrivateKeyEnvironmentVariable, "PrivateKey", "the private key that signs the assertion");
        }
        else if (!ClientAuthentications.All.Contains(credential.ClientAuthentication))
        {
            errors.Add($"{path}:ClientAuthentication", $"'{credential.ClientAuthentication}' is not one of {string.Join(", ", ClientAuthentications.All)}.");
        }
        else if (credential.ClientAuthentication == ClientAuthentications.PrivateKeyJwt)
        {
            Forbid(errors, credential.ClientSecretFile, "ClientSecretFile", "private_key_jwt");
            Forbid(errors, credential.ClientSecretEnvironmentVariable, "ClientSecretEnvironmentVariable", "private_key_jwt");
            Forbid(errors, credential.Subject, "Subject", "private_key_jwt");
            ValidateSource(errors, credential.PrivateKeyFile, credential.PrivateKeyEnvironmentVariable, "PrivateKey", "the private key that signs the client assertion");
            errors.RequireFile($"{path}:CertificateFile", credential.CertificateFile, "private_key_jwt names its key by its certificate: the certificate file");
        }
        else
        {
            Forbid(errors, credential.PrivateKeyFile, "PrivateKeyFile", credential.ClientAuthentication);
            Forbid(errors, credential.PrivateKeyEnvironmentVariable, "PrivateKeyEnvironmentVariable", credential.ClientAuthentication);
            Forbid(errors, credential.CertificateFile, "CertificateFile", credential.ClientAuthentication);
            Forbid(errors, credential.Subject, "Subject", credential.ClientAuthentication);
            Forbid(errors, credential.Audience, "Audience", credential.ClientAuthentication);
            ValidateSource(errors, credential.ClientSecretFile, credential.ClientSecretEnvironmentVariable, "ClientSecret", "the client secret");
        }
        if (credential.AssertionLifetime <= TimeSpan.Zero || credential.AssertionLifetime > TimeSpan.FromMinutes(3))
        {
            errors.Add($"{path}:AssertionLifetime", "must be more than 0 and at most 00:03:00.");
        }
        RequirePositive(errors, credential.TokenRequestTimeout, "TokenRequestTimeout");
        RequirePositive(errors, credential.RetryAfterFailure, "RetryAfterFailure");
        RequirePositive(errors, credential.AssumedLifetime, "AssumedLifetime");
        if (credential.UseInstanceUrl && credential.InstanceUrlHosts.Count == 0)
        {
            errors.Add($"{path}:InstanceUrlHosts", "UseInstanceUrl needs the hosts an instance_url may name (e.g. *.my.salesforce.com), so that a token response cannot send requests elsewhere.");
        }
        if (!credential.UseInstanceUrl && credential.InstanceUrlHosts.Count > 0)
        {
            errors.Add($"{path}:InstanceUrlHosts", "applies only with UseInstanceUrl=true.");
        }
        for (var i = 0; i < credential.InstanceUrlHosts.Count; i++)
        {
            if (InstanceUrlPolicy.CheckPattern(credential.InstanceUrlHosts[i]) is { } problem)
            {
                errors.Add($"{path}:InstanceUrlHosts:{i}", problem);
            }
        }
        if (credential.TrustedCaPath is not null)
        {
            errors.RequireFile($"{path}:TrustedCaPath", credential.TrustedCaPath, "the token endpoint's CA bundle");
        }
        if (errors.Count == earlierErrors)
        {
            // The secrets themselves, once every setting they need is right: a key that does not
            // parse stops start-up rather than the first token request.
            try
            {
                TokenRequestSecrets.Load(credential);
            }
            catch (InvalidOperationException ex)
            {
                errors.Add(ex.Message);
            }
        }
    }

    private static void ValidateClientCertificate(ValidationErrors errors, CertificateOptions? certificate)
    {
        if (certificate is null)
        {
            return;
        }
        const string path = UpstreamClientCertificate.Section;
        errors.RequireFile($"{path}:Path", certificate.Path, "the client certificate file");
        if (certificate.Path is not null && CertificateFiles.IsPem(certificate.Path))
        {
            errors.RequireFile($"{path}:KeyPath", certificate.KeyPath, "a PEM certificate needs its private key file, which");
        }
        if (certificate.PasswordEnvironmentVariable is { } variable && Environment.GetEnvironmentVariable(variable) is null)
        {
            errors.Add($"{path}:PasswordEnvironmentVariable", $"environment variable '{variable}' is not set.");
        }
        RequirePositive(errors, certificate.ReloadCheckInterval, "ReloadCheckInterval", path);
        if (certificate.Path is not null && File.Exists(certificate.Path) && (certificate.KeyPath is null || File.Exists(certificate.KeyPath)))
        {
            try
            {
                CertificateFiles.Load(certificate, path).Dispose();
            }
            catch (InvalidOperationException ex)
            {
                errors.Add(ex.Message);
            }
        }
    }

    /// <summary>The OAuth-only settings a static credential has set: each is a mistake (a forgotten Kind, most likely).</summary>
    private static IEnumerable<string> OAuthSettingsSet(UpstreamCredentialOptions credential)
    {
        (string Name, bool Set)[] settings =
        [
            ("TokenEndpoint", credential.TokenEndpoint is not null),
            ("ClientId", credential.ClientId is not null),
            ("ClientSecretFile", credential.ClientSecretFile is not null),
            ("ClientSecretEnvironmentVariable", credential.ClientSecretEnvironmentVariable is not null),
            ("Scope", credential.Scope is not null),
            ("Resource", credential.Resource is not null),
            ("Subject", credential.Subject is not null),
            ("Audience", credential.Audience is not null),
            ("PrivateKeyFile", credential.PrivateKeyFile is not null),
            ("PrivateKeyEnvironmentVariable", credential.PrivateKeyEnvironmentVariable is not null),
            ("CertificateFile", credential.CertificateFile is not null),
            ("UseInstanceUrl", credential.UseInstanceUrl),
            ("InstanceUrlHosts", credential.InstanceUrlHosts.Count > 0),
            ("TrustedCaPath", credential.TrustedCaPath is not null),
        ];
        return settings.Where(s => s.Set).Select(s => s.Name);
    }

    private static void ValidateSource(ValidationErrors errors, string? file, string? variable, string setting, string what)
    {
        const string path = "Gateway:Upstream:Credential";
        switch (file, variable)
        {
            case (null, null):
                errors.Add(path, $"set {setting}File or {setting}EnvironmentVariable: {what}.");
                break;
            case ({ }, { }):
                errors.Add(path, $"set only one of {setting}File and {setting}EnvironmentVariable.");
                break;
            case ({ } filePath, null):
                errors.RequireFile($"{path}:{setting}File", filePath, what);
                break;
            case (null, { } name) when string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(name)):
                errors.Add($"{path}:{setting}EnvironmentVariable", $"environment variable '{name}' is not set or empty.");
                break;
        }
    }

    private static void Require(ValidationErrors errors, string? value, string setting, string message)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"Gateway:Upstream:Credential:{setting}", message);
        }
    }

    private static void Forbid(ValidationErrors errors, string? value, string setting, string kind)
    {
        if (value is not null)
        {
            errors.Add($"Gateway:Upstream:Credential:{setting}", $"does not apply to {kind}; remove it.");
        }
    }

    private static void RequirePositive(ValidationErrors errors, TimeSpan value, string setting, string path = "Gateway:Upstream:Credential")
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{path}:{setting}", "must be positive.");
        }
    }
}
