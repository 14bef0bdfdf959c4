using System.Net;
using System.Text.Json.Nodes;
using System.Globalization;
using Gateway.Detector;
using Gateway.IntegrationTests.Infrastructure;
using StackExchange.Redis;
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

    [Fact]
    public async Task Alerts_are_listed_newest_first_with_their_state_to_soc_analysts_only()
    {
        using var crm = CrmStub.StartHttp();
        var alertsStream = $"alerts:{Guid.NewGuid():N}";
        var keyPrefix = $"detector:{Guid.NewGuid():N}";
        await using var gateway = await ConsoleGateway(crm.Url!)
            .WithAudit(redis.Configuration)
            .With("Gateway:Identity:Revocation:Enabled", "false")
            .With("Gateway:Detector:AlertsStream", alertsStream)
            .With("Gateway:Detector:KeyPrefix", keyPrefix)
            .StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var store = new AlertStore(connection, alertsStream, keyPrefix);
        var raised = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        var older = NewAlert("alert-older", "user-7", 60, raised, new ContainmentPlan("tighten", 0.1, TimeSpan.FromHours(1), null), "records_rate");
        var newer = NewAlert("alert-newer", "user-9", 90, raised.AddMinutes(10), new ContainmentPlan("suspend", 0, TimeSpan.FromHours(1), null), "paging_sweep");
        foreach (var alert in new[] { older, newer })
        {
            Assert.NotNull(await store.AddAsync(alert, DetectionFinding.ToJson(alert, gateway.AuditStream!, "detector-test")));
        }
        await store.SetStateAsync(newer.Id, new Dictionary<string, string> { ["containment_action"] = "suspend", ["containment_status"] = "confirmed" });
        await store.SetStateAsync(older.Id, new Dictionary<string, string> { ["acked_by"] = "analyst-1", ["acked_at"] = raised.AddHours(1).ToString("O", CultureInfo.InvariantCulture) });
        using var client = GatewayUnderTest.CreateClient();
        var soc = Token(SocAnalystGroup);

        var answer = JsonNode.Parse(await (await GetAsync(client, gateway.AdminUrl("/console/api/alerts"), soc)).Content.ReadAsStringAsync())!;
        var alerts = answer["alerts"]!.AsArray();
        Assert.Equal(["alert-newer", "alert-older"], alerts.Select(a => (string)a!["id"]!));
        var first = alerts[0]!;
        Assert.Equal("user-9", (string)first["principal"]!);
        Assert.Equal(90, (int)first["score"]!);
        Assert.Equal(["paging_sweep went past its threshold"], first["reasons"]!.AsArray().Select(r => (string)r!));
        Assert.Equal("suspend", (string)first["action"]!);
        Assert.Equal("confirmed", (string)first["containment"]!);
        Assert.Null(first["acknowledged_by"]);
        Assert.Equal(raised.AddMinutes(10), first["time"]!.GetValue<DateTimeOffset>());
        Assert.Equal((await store.GetStateAsync(newer.Id))!["entry"], (string)first["entry_id"]!);
        Assert.Equal("alert-newer", (string)first["finding"]!["finding_info"]!["uid"]!);
        var second = alerts[1]!;
        Assert.Equal("pending", (string)second["containment"]!);
        Assert.Equal("analyst-1", (string)second["acknowledged_by"]!);
        Assert.Equal(raised.AddHours(1), second["acknowledged_at"]!.GetValue<DateTimeOffset>());

        var limited = JsonNode.Parse(await (await GetAsync(client, gateway.AdminUrl("/console/api/alerts?limit=1"), soc)).Content.ReadAsStringAsync())!;
        Assert.Equal("alert-newer", (string)limited["alerts"]!.AsArray().Single()!["id"]!);
        var badLimit = await GetAsync(client, gateway.AdminUrl("/console/api/alerts?limit=0"), soc);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Contains("filter_invalid", await badLimit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(client, gateway.AdminUrl("/console/api/alerts"), Token(PrivacyOfficerGroup, RulesEditorGroup))).StatusCode);
    }
}
