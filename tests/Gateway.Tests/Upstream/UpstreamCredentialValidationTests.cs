using System.Security.Cryptography;
using Gateway.Transport;
using Gateway.Upstream;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Upstream;

/// <summary>The OAuth kinds' and the client certificate's settings, validated at start-up with every problem at once.</summary>
public sealed class UpstreamCredentialValidationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("upstream-credential-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Validate_ClientCredentialsWithSecretFile_Succeeds()
    {
        var result = Validate(ClientCredentials());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_JwtBearerWithKey_Succeeds()
    {
        var result = Validate(JwtBearer());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_JwtBearerWithNothing_ReportsEverySettingItNeeds()
    {
        var options = new UpstreamOptions { Credential = { Kind = CredentialKinds.JwtBearer } };

        var failures = Validate(options).Failures!;

        Assert.Contains(failures, f => f.StartsWith("Gateway:Upstream:Credential:TokenEndpoint: kind jwt_bearer needs", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Upstream:Credential:ClientId: kind jwt_bearer needs the client id (Salesforce", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Upstream:Credential:Subject:", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Upstream:Credential:Audience:", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Upstream:Credential: set PrivateKeyFile or PrivateKeyEnvironmentVariable", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UnknownKind_NamesTheKinds()
    {
        var options = ClientCredentials();
        options.Credential.Kind = "password";

        Assert.Contains("Gateway:Upstream:Credential:Kind: 'password' is not one of static, client_credentials, jwt_bearer.", Validate(options).Failures!);
    }

    [Fact]
    public void Validate_StaticWithOAuthSettings_NamesEachSettingThatDoesNotApply()
    {
        var options = new UpstreamOptions { Credential = { ValueFile = Write("credential", "Bearer x"), TokenEndpoint = "https://login.example.com/token", ClientId = "id", UseInstanceUrl = true } };

        var failures = Validate(options).Failures!;

        Assert.Equal(
            ["Gateway:Upstream:Credential:TokenEndpoint", "Gateway:Upstream:Credential:ClientId", "Gateway:Upstream:Credential:UseInstanceUrl"],
            failures.Select(f => f[..f.IndexOf(": ", StringComparison.Ordinal)]));
        Assert.All(failures, f => Assert.EndsWith("applies to the OAuth kinds (client_credentials, jwt_bearer) only; Kind is static.", f));
    }

    [Fact]
    public void Validate_OAuthWithStaticValueAndOtherHeader_IsRefused()
    {
        var options = ClientCredentials();
        options.Credential.ValueFile = Write("credential", "Bearer x");
        options.Credential.Header = "X-Api-Key";

        var failures = Validate(options).Failures!;

        Assert.Contains(failures, f => f.StartsWith("Gateway:Upstream:Credential:Header: kind client_credentials sends the access token as 'Authorization: Bearer'", StringComparison.Ordinal));
        Assert.Contains("Gateway:Upstream:Credential:ValueFile: does not apply to client_credentials; remove it.", failures);
    }

    [Fact]
    public void Validate_PlainHttpTokenEndpoint_IsRefusedUnlessInsecureIsAllowed()
    {
        var options = ClientCredentials();
        options.Credential.TokenEndpoint = "http://login.example.com/token";

        Assert.Contains(Validate(options).Failures!, f => f.StartsWith("Gateway:Upstream:Credential:TokenEndpoint: 'http://login.example.com/token' is plain http://", StringComparison.Ordinal));
        options.AllowInsecure = true;
        Assert.True(Validate(options, "http://crm.example.com/").Succeeded);
    }

    [Fact]
    public void Validate_KeyThatIsNotAnRsaKey_IsReportedWithTheFileNamedButNotItsContent()
    {
        var options = JwtBearer();
        using var ecdsa = ECDsa.Create();
        options.Credential.PrivateKeyFile = Write("ec.key", ecdsa.ExportPkcs8PrivateKeyPem());

        var failure = Assert.Single(Validate(options).Failures!);

        Assert.StartsWith($"Gateway:Upstream:Credential: file '{options.Credential.PrivateKeyFile}' is not an unencrypted PEM RSA private key", failure);
        Assert.DoesNotContain("PRIVATE KEY", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ShortRsaKey_IsRefused()
    {
        var options = JwtBearer();
        using var rsa = RSA.Create(1024);
        options.Credential.PrivateKeyFile = Write("short.key", rsa.ExportPkcs8PrivateKeyPem());

        Assert.Contains("1024-bit RSA key; at least 2048 bits are required", Assert.Single(Validate(options).Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SecretEnvironmentVariableUnset_IsReported()
    {
        var options = ClientCredentials();
        options.Credential.ClientSecretFile = null;
        options.Credential.ClientSecretEnvironmentVariable = $"UNSET_{Guid.NewGuid():N}";

        Assert.Contains(Validate(options).Failures!, f => f.StartsWith("Gateway:Upstream:Credential:ClientSecretEnvironmentVariable: environment variable", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_SecretAndKeyForClientSecretPost_KeyIsRefused()
    {
        var options = ClientCredentials();
        options.Credential.PrivateKeyFile = Write("k", "x");

        Assert.Contains("Gateway:Upstream:Credential:PrivateKeyFile: does not apply to client_secret_post; remove it.", Validate(options).Failures!);
    }

    [Fact]
    public void Validate_PrivateKeyJwtWithoutCertificate_IsReported()
    {
        var options = ClientCredentials();
        options.Credential.ClientAuthentication = ClientAuthentications.PrivateKeyJwt;
        options.Credential.ClientSecretFile = null;
        options.Credential.PrivateKeyFile = RsaKeyFile();

        Assert.Contains(Validate(options).Failures!, f => f.StartsWith("Gateway:Upstream:Credential:CertificateFile: private_key_jwt names its key by its certificate", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_TimesOutOfRange_AreEachReported()
    {
        var options = JwtBearer();
        options.Credential.AssertionLifetime = TimeSpan.FromMinutes(5);
        options.Credential.TokenRequestTimeout = TimeSpan.Zero;
        options.Credential.RetryAfterFailure = TimeSpan.FromSeconds(-1);
        options.Credential.AssumedLifetime = TimeSpan.Zero;

        var failures = Validate(options).Failures!;

        Assert.Contains("Gateway:Upstream:Credential:AssertionLifetime: must be more than 0 and at most 00:03:00.", failures);
        Assert.Contains("Gateway:Upstream:Credential:TokenRequestTimeout: must be positive.", failures);
        Assert.Contains("Gateway:Upstream:Credential:RetryAfterFailure: must be positive.", failures);
        Assert.Contains("Gateway:Upstream:Credential:AssumedLifetime: must be positive.", failures);
    }

    [Fact]
    public void Validate_InstanceUrlWithoutAllowList_OrWithBadPatterns_IsReported()
    {
        var options = JwtBearer();
        options.Credential.UseInstanceUrl = true;
        Assert.Contains(Validate(options).Failures!, f => f.StartsWith("Gateway:Upstream:Credential:InstanceUrlHosts: UseInstanceUrl needs the hosts", StringComparison.Ordinal));

        options.Credential.InstanceUrlHosts.AddRange(["*.my.salesforce.com", "*.com", "https://x.example"]);
        var failures = Validate(options).Failures!;
        Assert.Equal(["Gateway:Upstream:Credential:InstanceUrlHosts:1", "Gateway:Upstream:Credential:InstanceUrlHosts:2"], failures.Select(f => f[..f.IndexOf(": ", StringComparison.Ordinal)]));

        options.Credential.UseInstanceUrl = false;
        Assert.Contains("Gateway:Upstream:Credential:InstanceUrlHosts: applies only with UseInstanceUrl=true.", Validate(options).Failures!);
    }

    [Fact]
    public void Validate_ClientCertificateWithoutKey_OrUnloadable_IsReported()
    {
        var options = ClientCredentials();
        options.ClientCertificate = new CertificateOptions { Path = Write("client.crt", "not a certificate") };
        Assert.Contains(Validate(options).Failures!, f => f.StartsWith("Gateway:Upstream:ClientCertificate:KeyPath: a PEM certificate needs its private key file", StringComparison.Ordinal));

        options.ClientCertificate.KeyPath = RsaKeyFile();
        Assert.Contains(Validate(options).Failures!, f => f.StartsWith("Gateway:Upstream:ClientCertificate: cannot load", StringComparison.Ordinal));
    }

    private UpstreamOptions ClientCredentials() => new()
    {
        Credential =
        {
            Kind = CredentialKinds.ClientCredentials,
            TokenEndpoint = "https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
            ClientId = "client",
            ClientSecretFile = Write("client-secret", "s3cr3t\n"),
            Scope = "https://acme.crm.dynamics.com/.default",
        },
    };

    private UpstreamOptions JwtBearer() => new()
    {
        Credential =
        {
            Kind = CredentialKinds.JwtBearer,
            TokenEndpoint = "https://login.salesforce.com/services/oauth2/token",
            ClientId = "consumer-key",
            Subject = "integration@acme.example",
            Audience = "https://login.salesforce.com",
            PrivateKeyFile = RsaKeyFile(),
        },
    };

    private string RsaKeyFile()
    {
        using var rsa = RSA.Create(2048);
        return Write($"rsa-{Guid.NewGuid():N}.key", rsa.ExportPkcs8PrivateKeyPem());
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(UpstreamOptions options, string destination = "https://crm.example.com/") =>
        new UpstreamOptionsValidator(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:r:ClusterId"] = "c",
            ["ReverseProxy:Routes:r:Match:Path"] = "/{**all}",
            ["ReverseProxy:Clusters:c:Destinations:d:Address"] = destination,
        }).Build()).Validate(null, options);
}
