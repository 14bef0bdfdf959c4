using System.Net;
using System.Text.Json.Nodes;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Pipeline;

/// <summary>
/// Identity and masking can be switched off (for benchmarks and diagnosis); the gateway then
/// still fails closed where it can, and refuses settings that would leave a stage without its input.
/// </summary>
public sealed class StageSwitchTests
{
    [Fact]
    public async Task IdentityOff_ServesACallerWithoutToken_WithTheDefaultActionForEveryClass()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).With("Gateway:Identity:Enabled", "false").StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url("/api/contacts"));
        request.Headers.Add("X-No-Token", "1");

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[REDACTED]", JsonNode.Parse(body)!["data"]![0]!["email"]!.GetValue<string>());
        Assert.DoesNotContain("ada@example.com", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaskingOff_ForwardsTheBodyAsTheCrmSentIt_WithoutARulesFile()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Masking:Enabled", "false")
            .With("Gateway:Masking:RulesPath", null)
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        using var response = await client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CrmStub.ContactsJson, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MaskingOn_StillNeedsItsRulesFile()
    {
        await using var gateway = GatewayUnderTest.For("https://crm.example.com/").With("Gateway:Masking:RulesPath", null);

        var failure = Assert.Single(await StartupFailures.Of(gateway));

        Assert.StartsWith("Gateway:Masking:RulesPath:", failure);
    }

    [Theory]
    [InlineData("Gateway:Identity:Enabled")]
    [InlineData("Gateway:Masking:Enabled")]
    public async Task StageOff_WithPurposes_StopsStartup_BecausePurposesNeedIt(string stageSwitch)
    {
        await using var gateway = GatewayUnderTest.For("https://crm.example.com/")
            .With(stageSwitch, "false")
            .With("Gateway:Purposes:Catalog:support:Basis", "contract");

        var failure = Assert.Single(await StartupFailures.Of(gateway));

        Assert.StartsWith($"{stageSwitch}:", failure);
        Assert.Contains("Gateway:Purposes:Catalog", failure, StringComparison.Ordinal);
    }
}
