using System.Net;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.IntegrationTests.Identity;

/// <summary>The gateway's own clock is the TimeProvider a test registers: token lifetimes follow it, not the machine's clock.</summary>
public sealed class GatewayClockTests : IAsyncLifetime
{
    private readonly WireMock.Server.WireMockServer _crm = CrmStub.StartHttp();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await GatewayUnderTest.For(_crm.Url!).WithServices(services => services.AddSingleton<TimeProvider>(_time)).StartAsync();

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _crm.Stop();
    }

    [Fact]
    public async Task TokenExpiry_FollowsTheGatewaysClock()
    {
        using var client = GatewayUnderTest.CreateClient();
        var token = TestIdentityProvider.Shared.Mint(spec => spec.Expires = TimeSpan.FromMinutes(10));
        using var request = Request(token);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);

        _time.Advance(TimeSpan.FromMinutes(11));
        using var later = Request(token);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(later)).StatusCode);
    }

    private HttpRequestMessage Request(string token) =>
        new(HttpMethod.Get, _gateway.Url("/api/contacts")) { Headers = { Authorization = new("Bearer", token) } };
}
