using Gateway.Masking.Rules;
using static Gateway.Masking.Tests.MaskingFixture;

namespace Gateway.Masking.Tests.Writes;

public sealed class PermissionsTests
{
    [Fact]
    public void Compile_RulesWithoutPermissions_ReadAsBeforeWriteNothingAndSaySo()
    {
        var rules = Compile();
        var entity = rules.EntityFor("/api/contacts")!;
        var permissions = rules.PermissionsFor(new HashSet<string> { "support-agent" });

        Assert.False(rules.HasPermissions);
        Assert.True(permissions.Allows(entity, RecordOperation.Read));
        Assert.False(permissions.Allows(entity, RecordOperation.Create));
        Assert.False(permissions.Allows(entity, RecordOperation.Delete));
        Assert.Contains(rules.Notices, notice => notice.Contains("every write (create, update, delete) is refused", StringComparison.Ordinal));
    }

    [Fact]
    public void PermissionsFor_TheFirstListedRoleTheCallerHolds_Decides()
    {
        var rules = Writes.WriteFixture.Compiled;
        var contact = rules.EntityFor("/api/contacts/c-1")!;

        var both = rules.PermissionsFor(new HashSet<string> { "compliance-officer", "support-agent" });
        Assert.Equal("support-agent", both.Role);
        Assert.False(both.Allows(contact, RecordOperation.Delete));
        Assert.True(rules.PermissionsFor(new HashSet<string> { "compliance-officer" }).Allows(contact, RecordOperation.Delete));

        var stranger = rules.PermissionsFor(new HashSet<string> { "stranger" });
        Assert.Null(stranger.Role);
        Assert.False(stranger.Allows(contact, RecordOperation.Read));
    }

    [Fact]
    public void PermissionsFor_AnEntityEntry_OverridesTheRolesStarEntry()
    {
        var rules = Writes.WriteFixture.Compiled;
        var support = rules.PermissionsFor(new HashSet<string> { "support-agent" });

        Assert.True(support.Allows(rules.EntityFor("/services/data/v1/sobjects/Contact/1")!, RecordOperation.Create));
        Assert.False(support.Allows(rules.EntityFor("/services/data/v1/sobjects/Account/1")!, RecordOperation.Create));
        Assert.True(support.Allows(rules.EntityFor("/services/data/v1/sobjects/Account/1")!, RecordOperation.Read));
    }

    [Fact]
    public void PermissionsFor_TheStarRole_CoversCallersWithoutAListedRole()
    {
        var rules = RulesCompiler.Compile(MaskingFixture.Rules + """

            permissions:
              support-agent:
                contact: { operations: [read, update], classes: [contact] }
              "*":
                "*": { operations: [read] }
            """, HashKey);
        var contact = rules.EntityFor("/api/contacts")!;

        var other = rules.PermissionsFor(new HashSet<string> { "auditor" });
        Assert.Equal("*", other.Role);
        Assert.True(other.Allows(contact, RecordOperation.Read));
        Assert.False(other.Allows(contact, RecordOperation.Update));
        Assert.Contains(rules.Notices, notice => notice.StartsWith("Roles without permissions: marketing-analyst, compliance-officer.", StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_MistakesInThePermissionsSection_AreAllReportedWithPathAndLine()
    {
        var yaml = MaskingFixture.Rules.Replace("default: redact", "") + """

            permissions:
              compliance-officer:
                "*": { operations: [read, create, update, delete], classes: ["*"], require_mfa: [national_id] }
              support-agent:
                contact:  { operations: [read, update, erase, update], classes: [contact, salary], require_mfa: [national_id] }
                accounts: { operations: [read], classes: [contact] }
              marketing-analyst:
                "*": { operations: [create] }
                contact: [read]
              auditor:
                "*": { operations: [read], colour: blue }
            default: redact
            """;

        var errors = Assert.Throws<RulesException>(() => RulesCompiler.Compile(yaml, HashKey)).Errors.Select(e => e.ToString()).ToList();

        Assert.Contains(errors, e => e.StartsWith("permissions.support-agent.contact.operations (line ", StringComparison.Ordinal) && e.EndsWith("'erase' is not an operation; use read, create, update, delete.", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.EndsWith("'update' is listed twice.", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("permissions.support-agent.contact.classes", StringComparison.Ordinal) && e.Contains("'salary' is not a class", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("permissions.support-agent.contact.require_mfa", StringComparison.Ordinal) && e.Contains("'national_id' is not among the classes this entry may write", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("permissions.support-agent.accounts", StringComparison.Ordinal) && e.Contains("'accounts' is not an entity", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("permissions.support-agent.accounts", StringComparison.Ordinal) && e.Contains("apply to create and update only", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("permissions.marketing-analyst.*.classes", StringComparison.Ordinal) && e.Contains("is required with create or update", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("permissions.marketing-analyst.contact", StringComparison.Ordinal) && e.Contains("must be a mapping", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("permissions.auditor.*.colour", StringComparison.Ordinal) && e.Contains("unknown key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("permissions.support-agent (line ", StringComparison.Ordinal) && e.Contains("comes after compliance-officer here but before it under roles", StringComparison.Ordinal));
        Assert.All(errors, e => Assert.Matches(@"\(line \d+\)", e));
    }

    [Fact]
    public void Compile_MistakesInTheEntitiesWriteKeys_AreAllReported()
    {
        var yaml = MaskingFixture.Rules.Replace("roles:", """
              other:
                routes: ["/api/other/{key}"]
                records: ["$"]
                fields: {}
                write_records: ["**.records"]
                record_type: "$.attributes[*].type"
                record_types: [Contact, contact]
                subject_in_path: id
              third:
                routes: ["/api/third"]
                records: ["$"]
                fields: {}
                record_types: [CONTACT]
            roles:
            """);

        var errors = Assert.Throws<RulesException>(() => RulesCompiler.Compile(yaml, HashKey)).Errors.Select(e => e.ToString()).ToList();

        Assert.Contains(errors, e => e.StartsWith("entities.other.write_records[0]", StringComparison.Ordinal) && e.Contains("start with $", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("entities.other.record_type", StringComparison.Ordinal) && e.Contains("a path of names", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("entities.other.record_types", StringComparison.Ordinal) && e.Contains("'contact' is listed twice", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("entities.other (line", StringComparison.Ordinal) && e.Contains("not both", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("entities.other.subject_in_path", StringComparison.Ordinal) && e.Contains("is not a parameter ({id})", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("entities.third.record_types", StringComparison.Ordinal) && e.Contains("already a record type of entity 'other'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("GET", RecordOperation.Read)]
    [InlineData("HEAD", RecordOperation.Read)]
    [InlineData("OPTIONS", RecordOperation.Read)]
    [InlineData("POST", RecordOperation.Create)]
    [InlineData("PUT", RecordOperation.Update)]
    [InlineData("PATCH", RecordOperation.Update)]
    [InlineData("DELETE", RecordOperation.Delete)]
    [InlineData("PROPPATCH", RecordOperation.Update)]
    public void ForMethod_MapsEachMethod(string method, RecordOperation expected) => Assert.Equal(expected, RecordOperations.ForMethod(method));
}
