using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests.Transport;

public sealed class CertificateReloadTests
{
    /// <summary>Not the credential file's default (10 s), so that the certificate store's poll is the one the test waits for.</summary>
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(7);

    /// <summary>The gateway's clock: the certificate files are checked when the test moves it on by the check interval.</summary>
    private readonly FakeClock _clock = new();

    [Fact]
    public async Task CertificateFiles_Replaced_NewConnectionsGetNewCertificate()
    {
        using var crm = CrmStub.StartHttp();
        var first = TestPki.Shared.IssueServer($"reload-{Guid.NewGuid():N}");
        var renewed = TestPki.Shared.IssueServer($"renewed-{Guid.NewGuid():N}");
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Transport:Certificate:Path", first.CertificatePath)
            .With("Gateway:Transport:Certificate:KeyPath", first.KeyPath)
            .With("Gateway:Transport:Certificate:ReloadCheckInterval", CheckInterval.ToString())
            .WithServices(services => services.AddSingleton<TimeProvider>(_clock))
            .StartAsync();
        // The files are checked by a background task that starts after the host: move time on once it is polling.
        await _clock.PollingEveryAsync(CheckInterval);

        Assert.Equal(first.Certificate.Thumbprint, await PresentedThumbprintAsync(gateway));

        File.Copy(renewed.KeyPath, first.KeyPath, overwrite: true);
        File.Copy(renewed.CertificatePath, first.CertificatePath, overwrite: true);
        _clock.Advance(CheckInterval);

        var presented = await Eventually.ValueAsync(() => PresentedThumbprintAsync(gateway), thumbprint => thumbprint == renewed.Certificate.Thumbprint);
        Assert.Equal(renewed.Certificate.Thumbprint, presented);
    }

    [Fact]
    public async Task CertificateFile_ReplacedByGarbage_PreviousCertificateStaysInUse()
    {
        using var crm = CrmStub.StartHttp();
        var issued = TestPki.Shared.IssueServer($"garbage-{Guid.NewGuid():N}");
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Transport:Certificate:Path", issued.CertificatePath)
            .With("Gateway:Transport:Certificate:KeyPath", issued.KeyPath)
            .With("Gateway:Transport:Certificate:ReloadCheckInterval", CheckInterval.ToString())
            .WithServices(services => services.AddSingleton<TimeProvider>(_clock))
            .WithCapturedLog(out var log)
            .StartAsync();
        // The files are checked by a background task that starts after the host: move time on once it is polling.
        await _clock.PollingEveryAsync(CheckInterval);

        await File.WriteAllTextAsync(issued.CertificatePath, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
        // Past the next check, which refuses the files and says so: only then is "nothing changed" worth asserting.
        _clock.Advance(CheckInterval);
        Assert.NotNull(await log.WaitForAsync(entry => entry.Contains("TLS certificate files changed but could not be loaded", StringComparison.Ordinal)));

        Assert.Equal(issued.Certificate.Thumbprint, await PresentedThumbprintAsync(gateway));
    }

    private static async Task<string?> PresentedThumbprintAsync(GatewayUnderTest gateway)
    {
        string? thumbprint = null;
        using var client = GatewayUnderTest.CreateClient(onServerCertificate: certificate => thumbprint = certificate?.Thumbprint);
        await client.GetAsync(gateway.Url("/api/contacts"));
        return thumbprint;
    }
}
