using System.Text.Json;
using Gateway.Identity;

namespace Gateway.Tests.Identity;

public sealed class RoleMapperAndMfaTests
{
    private static readonly RoleMapper Mapper = new(
        ["roles", "groups", "scope", "realm_access.roles", "resource_access.crm.roles"],
        new Dictionary<string, string> { ["crm-support"] = "support-agent", ["crm.read"] = "reader", ["crm-admin"] = "compliance-officer" });

    [Theory]
    [InlineData("""{"roles":["crm-support"]}""", "support-agent")]
    [InlineData("""{"groups":["x","crm-admin"]}""", "compliance-officer")]
    [InlineData("""{"scope":"openid crm.read profile"}""", "reader")]
    [InlineData("""{"realm_access":{"roles":["crm-support"]}}""", "support-agent")]
    [InlineData("""{"resource_access":{"crm":{"roles":["crm.read"]}}}""", "reader")]
    [InlineData("""{"roles":"crm-support"}""", "support-agent")]
    public void Map_ValueInAnyConfiguredPlace_GivesItsRole(string payload, string role)
    {
        Assert.Equal([role], Mapper.Map(Parse(payload)));
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"roles":["CRM-SUPPORT","admin"]}""")]
    [InlineData("""{"roles":[1,true,{"crm-support":1}]}""")]
    [InlineData("""{"realm_access":"crm-support"}""")]
    [InlineData("""{"other":["crm-support"]}""")]
    public void Map_NothingMapped_GivesNoRole(string payload)
    {
        Assert.Empty(Mapper.Map(Parse(payload)));
    }

    [Fact]
    public void Map_SeveralSources_GivesEveryDistinctRole()
    {
        var roles = Mapper.Map(Parse("""{"roles":["crm-support"],"groups":["crm-support","crm-admin"],"scope":"crm.read"}"""));

        Assert.Equal(["compliance-officer", "reader", "support-agent"], roles.Order());
    }

    [Theory]
    [InlineData("""{"amr":["pwd","mfa"]}""", true)]
    [InlineData("""{"amr":["hwk"]}""", true)]
    [InlineData("""{"amr":["pwd"]}""", false)]
    [InlineData("""{"amr":"mfa"}""", false)]
    [InlineData("""{"acr":"loa3"}""", true)]
    [InlineData("""{"acr":"loa1"}""", false)]
    [InlineData("""{}""", false)]
    public void UsedMfa_FromAmrOrAcr(string payload, bool expected)
    {
        var facts = new MfaFacts(["mfa", "hwk"], ["loa3"]);

        Assert.Equal(expected, facts.UsedMfa(Parse(payload)));
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
}
