using System.Net;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Upstream;

public sealed class UpstreamTlsTests
{
    [Fact]
    public async Task HttpsCrm_CertificateFromConfiguredCa_IsProxiedOverTls()
    {
        using var crm = CrmStub.StartHttps(TestPki.Shared.Server);
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Upstream:TrustedCaPath", TestPki.Shared.CaPath)
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        var response = await client.GetAsync(gateway.Url("/api/contacts"));

        Assert.StartsWith("https://", crm.Url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestRules.MaskedContactsJson, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task HttpsCrm_CertificateFromUntrustedCa_Returns502AndSendsNothing()
    {
        var foreign = TestPki.CreateForeign();
        using var crm = CrmStub.StartHttps(foreign.Server);
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Upstream:TrustedCaPath", TestPki.Shared.CaPath)
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        var response = await client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Empty(crm.LogEntries);
    }
}
