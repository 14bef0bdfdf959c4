using static Gateway.Masking.Tests.MaskingFixture;

namespace Gateway.Masking.Tests;

/// <summary>The data map: data class x role x purpose, from compiled rules.</summary>
public sealed class DataMapTests
{
    [Fact]
    public void Build_GivesEveryRoleEveryClassForEveryPurpose_WithMfaAndConsentConditions()
    {
        var rules = Compile();

        var map = DataMap.Build(rules, [new DataMapPurpose("support", "contract", "remove"), new DataMapPurpose("marketing", "consent", "mask")]);

        var roles = rules.Roles.Count() + 1;
        var classes = rules.Classes.Count + 1;
        Assert.Equal(2 * roles * classes, map.Count);
        var officer = map.Single(e => e.Purpose == "support" && e.Role == "compliance-officer" && e.DataClass == "national_id");
        Assert.Equal(("redact", "redacted", "allow", "clear"), (officer.Action, officer.Receives, officer.ActionWithMfa, officer.ReceivesWithMfa));
        Assert.Equal(["contact"], officer.Entities);
        Assert.Equal("", officer.Condition);
        var marketing = map.Single(e => e.Purpose == "marketing" && e.Role == "marketing-analyst" && e.DataClass == "contact");
        Assert.Equal("pseudonymised", marketing.Receives);
        Assert.Equal("only records whose subject consented to marketing; others masked", marketing.Condition);
        Assert.Equal("redacted", map.Single(e => e.Purpose == "support" && e.Role == DataMap.OtherRoles && e.DataClass == "contact").Receives);
    }

    [Fact]
    public void WriteCsv_QuotesWhatNeedsQuotingAndDefusesFormulas()
    {
        var csv = new StringWriter();

        DataMap.WriteCsv(csv, [new DataMapEntry("=cmd", "", "a,b", "c\"d", ["e1", "e2"], "allow", "clear", "allow", "clear", "", "contact: yes; lead: no")]);

        Assert.EndsWith("\r\n'=cmd,,\"a,b\",\"c\"\"d\",e1 e2,allow,clear,allow,clear,,contact: yes; lead: no\r\n", csv.ToString(), StringComparison.Ordinal);
    }
}
