using System.Net;
using System.Text.Json.Nodes;
using Gateway.IntegrationTests.Infrastructure;
using static Gateway.IntegrationTests.PrivacyConsole.ConsoleSetup;

namespace Gateway.IntegrationTests.PrivacyConsole;

/// <summary>The console's audit endpoints against a stream a real gateway wrote.</summary>
public sealed class ConsoleAuditApiTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const int Requests = 3;

    [Fact]
    public async Task Events_filter_by_subject_and_limit_and_verification_checks_the_newest_window()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await ConsoleGateway(crm.Url!)
            .WithAudit(redis.Configuration)
            .With("Gateway:Identity:Revocation:Enabled", "false")
            .With("Gateway:Console:MaxVerifyEvents", "2")
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        for (var i = 0; i < Requests; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(gateway.Url("/api/contacts"))).StatusCode);
        }
        await TestAudit.WaitForAsync(redis.Configuration, gateway.AuditStream!, Requests);
        var soc = Token(SocAnalystGroup);

        var bySubject = JsonNode.Parse(await (await GetAsync(client, gateway.AdminUrl($"/console/api/audit?subject={TestAudit.Keys.Pseudonym("c-1")}"), soc)).Content.ReadAsStringAsync())!;
        Assert.Equal(Requests, bySubject["events"]!.AsArray().Count);
        Assert.All(bySubject["events"]!.AsArray(), e => Assert.Equal("user-1", (string)e!["principal"]!));
        var nobody = JsonNode.Parse(await (await GetAsync(client, gateway.AdminUrl($"/console/api/audit?subject={TestAudit.Keys.Pseudonym("c-404")}"), soc)).Content.ReadAsStringAsync())!;
        Assert.Empty(nobody["events"]!.AsArray());
        var limited = JsonNode.Parse(await (await GetAsync(client, gateway.AdminUrl("/console/api/audit?limit=1"), soc)).Content.ReadAsStringAsync())!;
        Assert.Single(limited["events"]!.AsArray());

        var verify = JsonNode.Parse(await (await GetAsync(client, gateway.AdminUrl("/console/api/audit/verify"), soc)).Content.ReadAsStringAsync())!;
        Assert.True((bool)verify["intact"]!);
        Assert.Equal(2, (int)verify["checked"]!);
    }
}
