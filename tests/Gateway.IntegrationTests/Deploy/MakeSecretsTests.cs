using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Deploy;

/// <summary>
/// deploy/make-secrets.sh, run for real in a temporary directory: what it makes is what the compose
/// file mounts, the certificate and tokens are valid, secrets are private, and the real gateway
/// starts with them and serves a demo token.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class MakeSecretsTests : IDisposable
{
    private static readonly string[] Secrets =
    [
        "ca.key", "tls.key", "crm-credential", "masking-hash-key", "audit-key", "idp.key", "gateway.env",
        "redis/gateway", "redis/gatewayctl",
        "tokens/support-agent.jwt", "tokens/marketing-analyst.jwt", "tokens/compliance-officer.jwt", "tokens/consent-admin.jwt",
    ];

    private static readonly string[] Public = ["ca.crt", "tls.crt", "jwks.json"];

    private readonly string _directory = Path.Combine(Directory.CreateTempSubdirectory("make-secrets-").FullName, "secrets");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);

    [Fact]
    public async Task It_makes_every_file_with_secrets_readable_by_their_owner_only()
    {
        Assert.Equal(0, (await RunAsync()).ExitCode);

        Assert.Equal(Secrets.Concat(Public).Order(), Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_directory, f)).Order());
        Assert.All(Secrets, file => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_directory, file))));
        Assert.All(Public, file => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Path.Combine(_directory, file))));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_directory));
    }

    [Fact]
    public async Task The_server_certificate_chains_to_the_ca_and_names_every_compose_host()
    {
        await RunAsync();
        using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_directory, "ca.crt"));
        using var server = X509Certificate2.CreateFromPemFile(Path.Combine(_directory, "tls.crt"), Path.Combine(_directory, "tls.key"));

        using var chain = new X509Chain { ChainPolicy = { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck } };
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        Assert.True(chain.Build(server), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        foreach (var name in new[] { "gateway", "democrm", "localhost", "127.0.0.1", "::1" })
        {
            Assert.True(server.MatchesHostname(name), name);
        }
        Assert.False(server.MatchesHostname("example.com"));
        Assert.Equal(256, server.GetECDsaPublicKey()!.KeySize);
        Assert.Equal(256, ca.GetECDsaPublicKey()!.KeySize);
        Assert.Contains(server.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>(), oid => oid.Value == "1.3.6.1.5.5.7.3.1");
        Assert.False(server.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);

        using var idp = RSA.Create();
        idp.ImportFromPem(File.ReadAllText(Path.Combine(_directory, "idp.key")));
        Assert.Equal(2048, idp.KeySize);
        Assert.All(new[] { "masking-hash-key", "audit-key" }, key => Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(Path.Combine(_directory, key)).Trim()).Length));
        Assert.Matches("^Gateway__Redis__Configuration=redis:6379,user=gateway,password=[0-9a-f]{48}\n$", File.ReadAllText(Path.Combine(_directory, "gateway.env")));
        Assert.Contains(File.ReadAllText(Path.Combine(_directory, "redis", "gateway")).Trim(), File.ReadAllText(Path.Combine(_directory, "gateway.env")));
    }

    [Fact]
    public async Task Running_it_again_keeps_every_key_and_password_and_mints_new_tokens()
    {
        await RunAsync();
        var first = Secrets.Concat(Public).ToDictionary(f => f, f => File.ReadAllText(Path.Combine(_directory, f)));

        var (exitCode, output) = await RunAsync();

        Assert.Equal(0, exitCode);
        Assert.Contains("Kept every secret", output);
        foreach (var (file, content) in first)
        {
            Assert.True(file.StartsWith("tokens/", StringComparison.Ordinal) != (content == File.ReadAllText(Path.Combine(_directory, file))), file);
        }
    }

    [Fact]
    public async Task The_gateway_starts_with_what_it_made_and_serves_a_demo_token_over_the_demo_certificate()
    {
        await RunAsync();
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Transport:Certificate:Path", Path.Combine(_directory, "tls.crt"))
            .With("Gateway:Transport:Certificate:KeyPath", Path.Combine(_directory, "tls.key"))
            .With("Gateway:Identity:Issuers:0:Issuer", "https://idp.example.com")
            .With("Gateway:Identity:Issuers:0:JwksPath", Path.Combine(_directory, "jwks.json"))
            .With("Gateway:Identity:Issuers:0:Audiences:0", "compliance-gateway")
            .With("Gateway:Identity:Issuers:0:RoleMap:support-agent", "support-agent")
            .With("Gateway:Masking:HashKeyFile", Path.Combine(_directory, "masking-hash-key"))
            .StartAsync();
        using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_directory, "ca.crt"));
        using var client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, errors) => TrustsOnly(ca, certificate as X509Certificate2, errors) },
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url("/api/contacts"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(_directory, "tokens", "support-agent.jwt")).Trim());

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The name was checked by TLS; the chain must lead to the demo CA alone.</summary>
    private static bool TrustsOnly(X509Certificate2 ca, X509Certificate2? certificate, System.Net.Security.SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }
        using var chain = new X509Chain { ChainPolicy = { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck } };
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        return chain.Build(certificate);
    }

    private async Task<(int ExitCode, string Output)> RunAsync()
    {
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { Path.Combine(RepositoryRoot.Path, "deploy", "make-secrets.sh"), _directory },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var text = string.Concat(await output);
        Assert.True(process.ExitCode == 0, text);
        return (process.ExitCode, text);
    }
}
