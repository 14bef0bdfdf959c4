using System.Collections.Concurrent;
using System.Net;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.IntegrationTests.Upstream;

/// <summary>Mutual TLS to the CRM: a Kestrel CRM that requires a client certificate of the test CA.</summary>
public sealed class UpstreamClientCertificateTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _presented = new();
    private readonly int _crmPort = FreePort.Next();
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();
    private WebApplication _crm = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(_crmPort, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = TestPki.Shared.Server.Certificate,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (certificate, _, _) => TestPki.Shared.Validates(certificate),
        })));
        _crm = builder.Build();
        _crm.MapGet("/api/{**rest}", (HttpContext context) =>
        {
            _presented.Enqueue(context.Connection.ClientCertificate!.Thumbprint);
            return Results.Text(CrmStub.ContactsJson, "application/json");
        });
        await _crm.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _crm.DisposeAsync();
    }

    [Fact]
    public async Task CrmRequiringAClientCertificate_GetsTheConfiguredOne()
    {
        var certificate = TestPki.Shared.IssueClient($"gateway-client-{Guid.NewGuid():N}");
        await using var gateway = await Gateway()
            .With("Gateway:Upstream:ClientCertificate:Path", certificate.CertificatePath)
            .With("Gateway:Upstream:ClientCertificate:KeyPath", certificate.KeyPath)
            .StartAsync();

        var response = await _client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestRules.MaskedContactsJson, await response.Content.ReadAsStringAsync());
        Assert.Equal([certificate.Certificate.Thumbprint], _presented);
    }

    [Fact]
    public async Task CrmRequiringAClientCertificate_WithoutOne_IsRefusedWithACode()
    {
        await using var gateway = await Gateway().StartAsync();

        var response = await _client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(_presented);
    }

    [Fact]
    public async Task ClientCertificateRenewed_NewConnectionsPresentTheNewOne()
    {
        var first = TestPki.Shared.IssueClient($"gateway-client-{Guid.NewGuid():N}");
        var directory = Directory.CreateTempSubdirectory("client-certificate-").FullName;
        var certificatePath = Path.Combine(directory, "tls.crt");
        var keyPath = Path.Combine(directory, "tls.key");
        File.Copy(first.CertificatePath, certificatePath);
        File.Copy(first.KeyPath, keyPath);
        var log = new CapturedLog();
        await using var gateway = Gateway()
            .With("Gateway:Upstream:ClientCertificate:Path", certificatePath)
            .With("Gateway:Upstream:ClientCertificate:KeyPath", keyPath)
            .With("Gateway:Upstream:ClientCertificate:ReloadCheckInterval", "00:00:00.050")
            .With("Logging:LogLevel:Gateway.Upstream", "Information");
        var app = gateway.Build();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        await app.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(gateway.Url("/api/contacts"))).StatusCode);

        var renewed = TestPki.Shared.IssueClient($"gateway-client-{Guid.NewGuid():N}");
        File.Copy(renewed.KeyPath, keyPath, overwrite: true);
        File.Copy(renewed.CertificatePath, certificatePath, overwrite: true);
        Assert.NotNull(await log.WaitForAsync(e => e.Contains(renewed.Certificate.Thumbprint, StringComparison.Ordinal)));
        // The CRM closes its connections (as a restart or an idle timeout would): the next one is new.
        await _crm.StopAsync();
        await _crm.DisposeAsync();
        await InitializeAsync();
        var response = await Eventually.ValueAsync(() => _client.GetAsync(gateway.Url("/api/contacts")), r => r.StatusCode == HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([first.Certificate.Thumbprint, renewed.Certificate.Thumbprint], _presented);
        Directory.Delete(directory, recursive: true);
    }

    private GatewayUnderTest Gateway() => GatewayUnderTest.For($"https://localhost:{_crmPort}/")
        .With("Gateway:Upstream:TrustedCaPath", TestPki.Shared.CaPath);
}
