using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Transport;

public sealed class CertificateReloadTests
{
    [Fact]
    public async Task CertificateFiles_Replaced_NewConnectionsGetNewCertificate()
    {
        using var crm = CrmStub.StartHttp();
        var first = TestPki.Shared.IssueServer($"reload-{Guid.NewGuid():N}");
        var renewed = TestPki.Shared.IssueServer($"renewed-{Guid.NewGuid():N}");
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Transport:Certificate:Path", first.CertificatePath)
            .With("Gateway:Transport:Certificate:KeyPath", first.KeyPath)
            .With("Gateway:Transport:Certificate:ReloadCheckInterval", "00:00:00.050")
            .StartAsync();

        Assert.Equal(first.Certificate.Thumbprint, await PresentedThumbprintAsync(gateway));

        File.Copy(renewed.KeyPath, first.KeyPath, overwrite: true);
        File.Copy(renewed.CertificatePath, first.CertificatePath, overwrite: true);

        string? presented = null;
        for (var attempt = 0; attempt < 100 && presented != renewed.Certificate.Thumbprint; attempt++)
        {
            await Task.Delay(50);
            presented = await PresentedThumbprintAsync(gateway);
        }
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
            .With("Gateway:Transport:Certificate:ReloadCheckInterval", "00:00:00.050")
            .StartAsync();

        await File.WriteAllTextAsync(issued.CertificatePath, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
        await Task.Delay(300);

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
