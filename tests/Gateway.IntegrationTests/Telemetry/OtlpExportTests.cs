using Gateway.IntegrationTests.Infrastructure;
using OpenTelemetry.Trace;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Gateway.IntegrationTests.Telemetry;

public sealed class OtlpExportTests
{
    [Fact]
    public async Task OtlpEndpoint_Set_TracesOfProxiedRequestsReachTheCollector()
    {
        using var crm = CrmStub.StartHttp();
        using var collector = WireMockServer.Start();
        collector.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(200));
        var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Telemetry:OtlpEndpoint", collector.Url + "/otel")
            .With("Gateway:Telemetry:OtlpProtocol", "http/protobuf")
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        await client.GetAsync(gateway.Url("/api/contacts"));
        await gateway.DisposeAsync();

        var traces = collector.LogEntries.Where(e => e.RequestMessage.Path == "/otel/v1/traces").ToList();
        Assert.NotEmpty(traces);
        Assert.Contains("application/x-protobuf", traces[0].RequestMessage.Headers!["Content-Type"].First());
    }

    [Fact]
    public async Task OtlpEndpoint_Unset_NothingIsInstrumentedForExport()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).StartAsync();

        Assert.Null(gateway.Services.GetService<TracerProvider>());
    }
}
