using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;
using System.Text;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using WireMock.Server;

namespace Gateway.IntegrationTests.Upstream;

/// <summary>
/// The gateway's own CRM access token (kinds client_credentials and jwt_bearer), against a real
/// token endpoint over TLS (WireMock.Net with a certificate of the test CA) and a WireMock CRM.
/// </summary>
public sealed class OAuthCredentialTests : IDisposable
{
    private const string ClientId = "gateway-client";
    private const string Scope = "https://acme.crm.dynamics.com/.default";

    private readonly TokenEndpointStub _endpoint = TokenEndpointStub.StartHttps(TestPki.Shared.Server);
    private readonly string _directory = Directory.CreateTempSubdirectory("oauth-credential-").FullName;
    private readonly string _secret = $"client-secret-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
    private readonly string _secretFile;
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();

    public OAuthCredentialTests()
    {
        _secretFile = Path.Combine(_directory, "client-secret");
        File.WriteAllText(_secretFile, _secret + "\n");
    }

    public void Dispose()
    {
        _client.Dispose();
        _endpoint.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ClientCredentials_TokenRequestCarriesTheSettings_AndTheCrmGetsTheBearerToken()
    {
        using var crm = CrmStub.StartHttpAccepting(_endpoint.Bearer(1));
        _endpoint.Issue();
        await using var gateway = await ClientCredentials(crm).StartAsync();

        var response = await _client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestRules.MaskedContactsJson, await response.Content.ReadAsStringAsync());
        var form = Assert.Single(_endpoint.Requests).Form;
        Assert.Equal("client_credentials", form["grant_type"]);
        Assert.Equal(ClientId, form["client_id"]);
        Assert.Equal(_secret, form["client_secret"]);
        Assert.Equal(Scope, form["scope"]);
        Assert.Null(_endpoint.Requests[0].Authorization);
        Assert.Equal([_endpoint.Bearer(1)], crm.ReceivedAuthorizations());
    }

    [Fact]
    public async Task ClientCredentials_SecretBasic_SendsTheSecretAsHttpBasicOnly()
    {
        using var crm = CrmStub.StartHttpAccepting(_endpoint.Bearer(1));
        _endpoint.Issue();
        await using var gateway = await ClientCredentials(crm)
            .With("Gateway:Upstream:Credential:ClientAuthentication", "client_secret_basic")
            .StartAsync();

        var response = await _client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var request = Assert.Single(_endpoint.Requests);
        Assert.Equal($"Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{_secret}"))}", request.Authorization);
        Assert.False(request.Form.ContainsKey("client_secret"));
    }

    [Fact]
    public async Task ClientCredentials_SecretFromEnvironment_IsSent()
    {
        var variable = $"GATEWAY_TEST_CLIENT_SECRET_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "secret-from-environment");
        try
        {
            using var crm = CrmStub.StartHttpAccepting(_endpoint.Bearer(1));
            _endpoint.Issue();
            await using var gateway = await ClientCredentials(crm)
                .With("Gateway:Upstream:Credential:ClientSecretFile", null)
                .With("Gateway:Upstream:Credential:ClientSecretEnvironmentVariable", variable)
                .StartAsync();

            var response = await _client.GetAsync(gateway.Url("/api/contacts"));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("secret-from-environment", Assert.Single(_endpoint.Requests).Form["client_secret"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task ManyRequests_ShareOneCachedToken()
    {
        using var crm = CrmStub.StartHttpAccepting(_endpoint.Bearer(1));
        _endpoint.Issue();
        await using var gateway = await ClientCredentials(crm).StartAsync();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(gateway.Url("/api/contacts"))).StatusCode);
        }

        Assert.Single(_endpoint.Requests);
        Assert.Equal(10, crm.ReceivedAuthorizations().Count(a => a == _endpoint.Bearer(1)));
    }

    [Fact]
    public async Task ConcurrentRequestsWithoutToken_WaitForOneTokenRequest()
    {
        using var crm = CrmStub.StartHttpAccepting(_endpoint.Bearer(1));
        _endpoint.Issue();
        _endpoint.Hold();
        await using var gateway = await ClientCredentials(crm).StartAsync();
        await PollAsync(() => _endpoint.Requests.Count == 1);

        var responses = Enumerable.Range(0, 20).Select(_ => _client.GetAsync(gateway.Url("/api/contacts"))).ToArray();
        var all = Task.WhenAll(responses);
        // Held or not, every request is answered 200 with the one token: none gave up or asked again.
        _endpoint.Release();

        Assert.All(await all, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(_endpoint.Requests);
        Assert.Equal(20, crm.ReceivedAuthorizations().Count);
    }

    [Fact]
    public async Task TokenNearExpiry_IsRefreshedAhead_WhileTheCurrentOneStaysInUse()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var crm = CrmStub.StartHttpAccepting(_endpoint.Bearer(1), _endpoint.Bearer(2));
        _endpoint.Issue(expiresIn: 600);
        await using var gateway = await ClientCredentials(crm).WithServices(s => s.AddSingleton<TimeProvider>(time)).StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(gateway.Url("/api/contacts"))).StatusCode);

        // Refreshed 10% of the lifetime (60 s) before expiry; 530 s in, nothing happens yet.
        time.Advance(TimeSpan.FromSeconds(530));
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(gateway.Url("/api/contacts"))).StatusCode);
        Assert.Single(_endpoint.Requests);

        time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(gateway.Url("/api/contacts"))).StatusCode);
        await PollAsync(() => _endpoint.Requests.Count == 2);
        await PollAsync(async () => (await _client.GetAsync(gateway.Url("/api/contacts"))).IsSuccessStatusCode && crm.ReceivedAuthorizations()[^1] == _endpoint.Bearer(2));

        Assert.Equal([_endpoint.Bearer(1), _endpoint.Bearer(1), _endpoint.Bearer(1)], crm.ReceivedAuthorizations().Take(3));
        Assert.Equal(2, _endpoint.Requests.Count);
    }

    [Fact]
    public async Task RefreshFails_TokenServedUntilExpiry_ThenRefusedWithCodes_ThenRecovers()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var crm = CrmStub.StartHttpAccepting(_endpoint.Bearer(1), _endpoint.Bearer(2));
        _endpoint.Issue(expiresIn: 600);
        var log = new CapturedLog();
        await using var gateway = ClientCredentials(crm).WithServices(s => s.AddSingleton<TimeProvider>(time));
        await StartCapturingAsync(gateway, log);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(gateway.Url("/api/contacts"))).StatusCode);
        _endpoint.Answer(500, """{"error":"server_error"}""");

        time.Advance(TimeSpan.FromSeconds(550));
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(gateway.Url("/api/contacts"))).StatusCode);
        Assert.NotNull(await log.WaitForAsync(e => e.Contains("CRM access token request failed (expiring): HTTP 500, error server_error", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(gateway.Url("/api/contacts"))).StatusCode);

        time.Advance(TimeSpan.FromSeconds(55));
        var failed = await _client.GetAsync(gateway.Url("/api/contacts"));
        var waiting = await _client.GetAsync(gateway.Url("/api/contacts"));

        await AssertRefusedAsync(failed, HttpStatusCode.BadGateway, "upstream_token_endpoint_failed");
        await AssertRefusedAsync(waiting, HttpStatusCode.ServiceUnavailable, "upstream_token_unavailable");
        Assert.Equal("5", waiting.Headers.RetryAfter?.ToString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await gateway.PollReadyAsync(_client, HttpStatusCode.ServiceUnavailable)).StatusCode);
        Assert.Equal(3, _endpoint.Requests.Count);

        _endpoint.Issue();
        time.Advance(TimeSpan.FromSeconds(5));
        var recovered = await _client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Equal(_endpoint.Bearer(2), crm.ReceivedAuthorizations()[^1]);
        Assert.Equal(HttpStatusCode.OK, (await gateway.PollReadyAsync(_client, HttpStatusCode.OK)).StatusCode);
    }

    [Fact]
    public async Task CrmRefusesToken_OneRenewalAndOneRetry_ClientGetsTheAnswer()
    {
        using var crm = CrmStub.StartHttpAccepting(_endpoint.Bearer(2));
        _endpoint.Issue();
        await using var gateway = await ClientCredentials(crm).StartAsync();

        var response = await _client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestRules.MaskedContactsJson, await response.Content.ReadAsStringAsync());
        Assert.Equal([_endpoint.Bearer(1), _endpoint.Bearer(2)], crm.ReceivedAuthorizations());
        Assert.Equal(2, _endpoint.Requests.Count);
    }

    [Fact]
    public async Task CrmRefusesToken_HeldBodyIsSentAgainWhole()
    {
        using var crm = CrmStub.StartHttpAccepting(_endpoint.Bearer(2));
        _endpoint.Issue();
        await using var gateway = await ClientCredentials(crm).StartAsync();

        var response = await _client.PostAsync(gateway.Url("/api/contacts"), new StringContent("""{"firstName":"Ada"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, crm.LogEntries.Count());
        Assert.All(crm.LogEntries, e => Assert.Equal("""{"firstName":"Ada"}""", e.RequestMessage.Body));
    }

    [Fact]
    public async Task CrmRefusesEveryToken_502UpstreamUnauthorized_WithoutTheCrmsAnswer_AndNoRenewalStorm()
    {
        using var crm = CrmStub.StartHttpAccepting();
        _endpoint.Issue();
        await using var gateway = await ClientCredentials(crm).StartAsync();

        var response = await _client.GetAsync(gateway.Url("/api/contacts"));
        var again = await _client.GetAsync(gateway.Url("/api/contacts"));

        await AssertRefusedAsync(response, HttpStatusCode.BadGateway, "upstream_unauthorized");
        Assert.False(response.Headers.Contains("WWW-Authenticate"));
        Assert.DoesNotContain("INVALID_SESSION_ID", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertRefusedAsync(again, HttpStatusCode.BadGateway, "upstream_unauthorized");
        // The second request is refused with the renewed token: a renewal moments ago is not repeated.
        Assert.Equal([_endpoint.Bearer(1), _endpoint.Bearer(2), _endpoint.Bearer(2)], crm.ReceivedAuthorizations());
        Assert.Equal(2, _endpoint.Requests.Count);
    }

    [Fact]
    public async Task StaticCredentialRefused_502UpstreamUnauthorized_WithoutTheCrmsAnswer()
    {
        using var crm = CrmStub.StartHttpAccepting();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).StartAsync();

        var response = await _client.GetAsync(gateway.Url("/api/contacts"));

        await AssertRefusedAsync(response, HttpStatusCode.BadGateway, "upstream_unauthorized");
        Assert.False(response.Headers.Contains("WWW-Authenticate"));
        Assert.Single(crm.LogEntries);
    }

    [Fact]
    public async Task StaticCredentialRefused_FileRotatedSinceTheLastPoll_IsReadAndTheRequestRetried()
    {
        using var crm = CrmStub.StartHttpAccepting("Bearer rotated-credential");
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Upstream:Credential:ReloadCheckInterval", "01:00:00")
            .StartAsync();

        await File.WriteAllTextAsync(gateway.CredentialFile, "Bearer rotated-credential\n");
        var response = await _client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([gateway.CredentialValue, "Bearer rotated-credential"], crm.ReceivedAuthorizations());
    }

    [Theory]
    [InlineData(500, """{"error":"server_error"}""", "application/json", "upstream_token_endpoint_failed")]
    [InlineData(401, """{"error":"invalid_client","error_description":"bad secret"}""", "application/json", "upstream_token_endpoint_failed")]
    [InlineData(200, "<html>maintenance</html>", "text/html", "upstream_token_invalid")]
    [InlineData(200, """{"token_type":"Bearer","expires_in":600}""", "application/json", "upstream_token_invalid")]
    [InlineData(200, """{"access_token":"abc","token_type":"Bearer","expires_in":"soon"}""", "application/json", "upstream_token_invalid")]
    [InlineData(200, """{"access_token":"abc","token_type":"mac","expires_in":600}""", "application/json", "upstream_token_invalid")]
    [InlineData(200, """["abc"]""", "application/json", "upstream_token_invalid")]
    public async Task TokenEndpointFailsOrIsMalformed_502WithItsCode_CrmNeverAsked(int status, string body, string contentType, string code)
    {
        using var crm = CrmStub.StartHttpAccepting("Bearer abc");
        _endpoint.Answer(status, body, contentType);
        await using var gateway = await ClientCredentials(crm).With("Gateway:Upstream:Credential:RetryAfterFailure", "00:00:00.001").StartAsync();

        var response = await FirstAsync(gateway, r => r.StatusCode == HttpStatusCode.BadGateway);

        await AssertRefusedAsync(response, HttpStatusCode.BadGateway, code);
        Assert.Empty(crm.LogEntries);
    }

    [Fact]
    public async Task SlowTokenEndpoint_TimesOut_ThenTheGatewayRecovers()
    {
        using var crm = CrmStub.StartHttpAccepting(_endpoint.Bearer(1), _endpoint.Bearer(2));
        _endpoint.Issue();
        _endpoint.Hold();
        var log = new CapturedLog();
        await using var gateway = ClientCredentials(crm)
            .With("Gateway:Upstream:Credential:TokenRequestTimeout", "00:00:01")
            .With("Gateway:Upstream:Credential:RetryAfterFailure", "00:00:00.200");
        await StartCapturingAsync(gateway, log);

        var response = await _client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable });
        var code = await CodeAsync(response);
        Assert.Contains(code, new[] { "upstream_token_endpoint_failed", "upstream_token_unavailable" });
        Assert.NotNull(await log.WaitForAsync(e => e.Contains("CRM access token request failed", StringComparison.Ordinal) && e.Contains("no answer within 1 s", StringComparison.Ordinal)));
        Assert.Empty(crm.LogEntries);

        _endpoint.Release();
        var recovered = await FirstAsync(gateway, r => r.StatusCode == HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
    }

    [Fact]
    public async Task ClientSecretFileRotated_NextTokenRequestUsesTheNewSecret()
    {
        using var crm = CrmStub.StartHttpAccepting(_endpoint.Bearer(2));
        _endpoint.Issue();
        var log = new CapturedLog();
        await using var gateway = ClientCredentials(crm)
            .With("Gateway:Upstream:Credential:ReloadCheckInterval", "00:00:00.050")
            .With("Logging:LogLevel:Gateway.Upstream", "Information");
        await StartCapturingAsync(gateway, log);
        await PollAsync(() => _endpoint.Requests.Count == 1);

        await File.WriteAllTextAsync(_secretFile, "rotated-secret\n");
        Assert.NotNull(await log.WaitForAsync(e => e.Contains("CRM client secret or key files changed; the new ones", StringComparison.Ordinal)));
        var response = await _client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(_secret, _endpoint.Requests[0].Form["client_secret"]);
        Assert.Equal("rotated-secret", _endpoint.Requests[1].Form["client_secret"]);
    }

    [Fact]
    public async Task JwtBearer_SignedAssertion_AndInstanceUrlBecomesTheCrmAddress()
    {
        using var key = RSA.Create(2048);
        var keyFile = Path.Combine(_directory, "salesforce.key");
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        using var crm = CrmStub.StartHttpsAccepting(TestPki.Shared.Server, _endpoint.Bearer(1));
        var instance = new Uri(crm.Url!);
        _endpoint.Issue(extraMembers: $$""","instance_url":"https://localhost:{{instance.Port}}","id":"https://login.salesforce.com/id/00D/005","scope":"api" """);
        await using var gateway = await JwtBearer(keyFile, instance.Port).StartAsync();
        var sent = DateTimeOffset.UtcNow;

        var response = await _client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([_endpoint.Bearer(1)], crm.ReceivedAuthorizations());
        var form = Assert.Single(_endpoint.Requests).Form;
        Assert.Equal("urn:ietf:params:oauth:grant-type:jwt-bearer", form["grant_type"]);
        Assert.False(form.ContainsKey("client_secret"));
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(form["assertion"], new TokenValidationParameters
        {
            ValidIssuer = ClientId,
            ValidAudience = "https://login.salesforce.com",
            IssuerSigningKey = new RsaSecurityKey(key.ExportParameters(includePrivateParameters: false)),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var assertion = (JsonWebToken)validation.SecurityToken;
        Assert.Equal("integration@acme.example", assertion.Subject);
        Assert.InRange(assertion.ValidTo, sent.UtcDateTime.AddMinutes(-1), sent.UtcDateTime.AddMinutes(3).AddSeconds(5));
    }

    [Fact]
    public async Task ClientCredentials_PrivateKeyJwt_SendsAnAssertionNamingTheCertificate_AndNoSecret()
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=gateway-entra", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        var keyFile = Path.Combine(_directory, "entra.key");
        var certificateFile = Path.Combine(_directory, "entra.crt");
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(certificateFile, certificate.ExportCertificatePem());
        using var crm = CrmStub.StartHttpAccepting(_endpoint.Bearer(1));
        _endpoint.Issue();
        await using var gateway = await ClientCredentials(crm)
            .With("Gateway:Upstream:Credential:ClientSecretFile", null)
            .With("Gateway:Upstream:Credential:ClientAuthentication", "private_key_jwt")
            .With("Gateway:Upstream:Credential:PrivateKeyFile", keyFile)
            .With("Gateway:Upstream:Credential:CertificateFile", certificateFile)
            .StartAsync();

        var response = await _client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var form = Assert.Single(_endpoint.Requests).Form;
        Assert.Equal("client_credentials", form["grant_type"]);
        Assert.False(form.ContainsKey("client_secret"));
        Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", form["client_assertion_type"]);
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(form["client_assertion"], new TokenValidationParameters
        {
            ValidIssuer = ClientId,
            ValidAudience = _endpoint.Url,
            IssuerSigningKey = new X509SecurityKey(X509CertificateLoader.LoadCertificate(certificate.RawData)),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var assertion = (JsonWebToken)validation.SecurityToken;
        Assert.Equal(ClientId, assertion.Subject);
        Assert.Equal(Base64UrlEncoder.Encode(certificate.GetCertHash()), assertion.X5t);
    }

    [Fact]
    public async Task JwtBearer_InstanceUrlOutsideTheAllowedHosts_IsRefused_NothingIsSentThere()
    {
        using var key = RSA.Create(2048);
        var keyFile = Path.Combine(_directory, "salesforce.key");
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        using var elsewhere = CrmStub.StartHttpsAccepting(TestPki.Shared.Server, _endpoint.Bearer(1));
        var allowedPort = FreePort.Next();
        _endpoint.Issue(extraMembers: $$""","instance_url":"https://localhost:{{new Uri(elsewhere.Url!).Port}}" """);
        await using var gateway = await JwtBearer(keyFile, allowedPort).With("Gateway:Upstream:Credential:RetryAfterFailure", "00:00:00.001").StartAsync();

        var response = await FirstAsync(gateway, r => r.StatusCode == HttpStatusCode.BadGateway);

        await AssertRefusedAsync(response, HttpStatusCode.BadGateway, "upstream_token_invalid");
        Assert.Empty(elsewhere.LogEntries);
    }

    [Fact]
    public async Task SecretsAndTokens_AreNeverLogged()
    {
        using var crm = CrmStub.StartHttpAccepting(_endpoint.Bearer(2));
        _endpoint.Answer(401, $$"""{"error":"invalid_client","error_description":"client secret {{_secret}} is wrong"}""");
        var log = new CapturedLog();
        await using var gateway = ClientCredentials(crm)
            .With("Gateway:Upstream:Credential:RetryAfterFailure", "00:00:00.001")
            .With("Logging:LogLevel:Default", "Trace");
        await StartCapturingAsync(gateway, log);

        await FirstAsync(gateway, r => r.StatusCode == HttpStatusCode.BadGateway);
        _endpoint.Issue();
        // Token 1 is refused by the CRM, token 2 accepted: issue, refusal, renewal and retry are all logged.
        await FirstAsync(gateway, r => r.StatusCode == HttpStatusCode.OK);

        Assert.NotNull(await log.WaitForAsync(e => e.Contains("CRM access token issued", StringComparison.Ordinal)));
        Assert.NotNull(await log.WaitForAsync(e => e.Contains("error invalid_client", StringComparison.Ordinal)));
        var entries = log.Entries;
        Assert.DoesNotContain(entries, e => e.Contains(_secret, StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.Contains(_endpoint.Token(1), StringComparison.Ordinal) || e.Contains(_endpoint.Token(2), StringComparison.Ordinal));
    }

    [Fact]
    public async Task TokenRequests_AreCountedByTriggerAndOutcome()
    {
        using var crm = CrmStub.StartHttpAccepting(_endpoint.Bearer(1));
        _endpoint.Answer(500, """{"error":"server_error"}""");
        var counted = new ConcurrentQueue<string>();
        using var listener = new MeterListener();
        await using var gateway = ClientCredentials(crm).With("Gateway:Upstream:Credential:RetryAfterFailure", "00:00:00.001");
        var app = gateway.Build();
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "gateway.upstream.token.requests")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var all = tags.ToArray();
            counted.Enqueue($"{all.Single(t => t.Key == "trigger").Value}/{all.Single(t => t.Key == "outcome").Value}");
        });
        listener.Start();
        await app.StartAsync();

        await FirstAsync(gateway, r => r.StatusCode == HttpStatusCode.BadGateway);
        _endpoint.Issue();
        await FirstAsync(gateway, r => r.StatusCode == HttpStatusCode.OK);

        Assert.Contains("start/endpoint_failed", counted);
        Assert.Equal("missing/issued", counted.Last());
    }

    private GatewayUnderTest ClientCredentials(WireMockServer crm) => GatewayUnderTest.For(crm.Url!)
        .With("Gateway:Upstream:Credential:ValueFile", null)
        .With("Gateway:Upstream:Credential:Kind", "client_credentials")
        .With("Gateway:Upstream:Credential:TokenEndpoint", _endpoint.Url)
        .With("Gateway:Upstream:Credential:TrustedCaPath", TestPki.Shared.CaPath)
        .With("Gateway:Upstream:Credential:ClientId", ClientId)
        .With("Gateway:Upstream:Credential:ClientSecretFile", _secretFile)
        .With("Gateway:Upstream:Credential:Scope", Scope);

    /// <summary>Salesforce-style: the cluster's destination is a placeholder, the CRM is where instance_url says (allowed: localhost:<paramref name="allowedPort"/>).</summary>
    private GatewayUnderTest JwtBearer(string keyFile, int allowedPort) => GatewayUnderTest.For("https://crm-placeholder.invalid/")
        .With("Gateway:Upstream:TrustedCaPath", TestPki.Shared.CaPath)
        .With("Gateway:Upstream:Credential:ValueFile", null)
        .With("Gateway:Upstream:Credential:Kind", "jwt_bearer")
        .With("Gateway:Upstream:Credential:TokenEndpoint", _endpoint.Url)
        .With("Gateway:Upstream:Credential:TrustedCaPath", TestPki.Shared.CaPath)
        .With("Gateway:Upstream:Credential:ClientId", ClientId)
        .With("Gateway:Upstream:Credential:Subject", "integration@acme.example")
        .With("Gateway:Upstream:Credential:Audience", "https://login.salesforce.com")
        .With("Gateway:Upstream:Credential:PrivateKeyFile", keyFile)
        .With("Gateway:Upstream:Credential:UseInstanceUrl", "true")
        .With("Gateway:Upstream:Credential:InstanceUrlHosts:0", $"localhost:{allowedPort}");

    private static async Task StartCapturingAsync(GatewayUnderTest gateway, CapturedLog log)
    {
        var app = gateway.Build();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        await app.StartAsync();
    }

    /// <summary>Sends requests until one satisfies <paramref name="done"/> (at most 10 s); returns the last.</summary>
    private Task<HttpResponseMessage> FirstAsync(GatewayUnderTest gateway, Func<HttpResponseMessage, bool> done) =>
        Eventually.ValueAsync(() => _client.GetAsync(gateway.Url("/api/contacts")), done);

    private static Task PollAsync(Func<bool> condition) => Eventually.UntilAsync(condition, "The condition did not hold");

    private static Task PollAsync(Func<Task<bool>> condition) => Eventually.UntilAsync(condition, "The condition did not hold");

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, await CodeAsync(response));
    }

    private static async Task<string?> CodeAsync(HttpResponseMessage response)
    {
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
    }
}
