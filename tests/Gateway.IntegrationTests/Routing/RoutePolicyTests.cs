using System.Net;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.IntegrationTests.Routing;

/// <summary>
/// A route's metadata is parsed when the proxy configuration loads: a bad key or value stops the
/// start with the route named, and a reload that brings one is refused while the routes in force stay.
/// </summary>
public sealed class RoutePolicyTests
{
    [Fact]
    public async Task BadRouteMetadata_StopsStartup_NamingEveryRouteAndKey()
    {
        await using var gateway = GatewayUnderTest.For("https://crm.example.com/")
            .With("ReverseProxy:Routes:crm:Metadata:RequireMfa", "yes")
            .With("ReverseProxy:Routes:exports:ClusterId", "crm")
            .With("ReverseProxy:Routes:exports:Match:Path", "/exports/{**rest}")
            .With("ReverseProxy:Routes:exports:Metadata:MaskNdjsn", "true");

        var failures = await StartupFailures.Of(gateway);

        Assert.Contains("ReverseProxy:Routes:crm:Metadata:RequireMfa: 'yes' is neither true nor false.", failures);
        Assert.Contains(failures, f => f.StartsWith("ReverseProxy:Routes:exports:Metadata:MaskNdjsn: not a route setting of the gateway", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reload_WithBadRouteMetadata_IsRefusedAndLogged_AndTheRoutesInForceStay()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).StartAsync();
        using var log = Capture(gateway);
        using var client = GatewayUnderTest.CreateClient();

        Reload(gateway, new()
        {
            ["ReverseProxy:Routes:crm:Match:Path"] = "/moved/{**rest}",
            ["ReverseProxy:Routes:crm:Metadata:RequireMfa"] = "yes",
        });

        Assert.NotNull(await log.WaitForAsync(entry => entry.Contains("ReverseProxy:Routes:crm:Metadata:RequireMfa: 'yes' is neither true nor false.", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(gateway.Url("/api/contacts"))).StatusCode);
    }

    [Fact]
    public async Task Reload_WithGoodRouteMetadata_ReachesTheRequests()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(gateway.Url("/api/contacts"))).StatusCode);

        Reload(gateway, new() { ["ReverseProxy:Routes:crm:Metadata:RequireMfa"] = "true" });

        // The default token was issued without MFA: once the reloaded policy is on the route's endpoint, it is refused.
        var response = await Eventually.ValueAsync(() => client.GetAsync(gateway.Url("/api/contacts")), r => r.StatusCode != HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("insufficient_user_authentication", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static CapturedLog Capture(GatewayUnderTest gateway)
    {
        var log = new CapturedLog();
        gateway.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        return log;
    }

    /// <summary>Changes settings of the running gateway, as an edited configuration file would: YARP reloads its configuration.</summary>
    private static void Reload(GatewayUnderTest gateway, Dictionary<string, string?> settings)
    {
        try
        {
            ((IConfigurationBuilder)gateway.Services.GetRequiredService<IConfiguration>()).AddInMemoryCollection(settings);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(inner => inner is OptionsValidationException))
        {
            // The gateway's settings are validated again on every change, and their complaint goes to
            // whoever changed the configuration (for a file, a file watcher's task); the settings
            // the stages read stay as they were.
        }
    }
}
