using WireMock.Server;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>A test class's own WireMock CRM and a gateway in front of it, started once for the class's tests.</summary>
public abstract class GatewayInFrontOfCrm : IAsyncLifetime
{
    protected WireMockServer Crm { get; } = CrmStub.StartHttp();

    protected GatewayUnderTest Gateway { get; private set; } = null!;

    public async Task InitializeAsync() => Gateway = await Configure(GatewayUnderTest.For(Crm.Url!)).StartAsync();

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        Crm.Stop();
    }

    /// <summary>Settings a test class needs beyond the defaults.</summary>
    protected virtual GatewayUnderTest Configure(GatewayUnderTest gateway) => gateway;
}
