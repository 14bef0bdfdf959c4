using System.Text;
using Gateway.Masking.Rules;
using Gateway.Masking.Writes;
using static Gateway.Masking.Tests.Writes.WriteFixture;

namespace Gateway.Masking.Tests.Writes;

/// <summary>The whole decision the gateway takes (and gatewayctl replays): operation, then whether the body can be judged, then its fields.</summary>
public sealed class WriteDecisionTests
{
    [Theory]
    [InlineData("name-editor", RecordOperation.Create, "POST")]
    [InlineData("name-editor", RecordOperation.Delete, "DELETE")]
    [InlineData("support-agent", RecordOperation.Delete, "DELETE")]
    [InlineData("nobody", RecordOperation.Read, "GET")]
    public void AnOperationTheRoleLacks_IsRefusedNamingRoleEntityAndOperation(string role, RecordOperation operation, string method)
    {
        var report = Decide(role, operation, method, "application/json", "");

        Assert.Equal(WriteRefusals.OperationNotAllowed, report!.Refusal!.Code);
        Assert.Contains(operation.Name(), report.Refusal.Detail);
        Assert.Contains("'contact'", report.Refusal.Detail);
    }

    [Fact]
    public void RulesWithoutPermissions_ReadAndRefuseEveryWrite()
    {
        var rules = RulesCompiler.Compile(WriteFixture.Rules[..WriteFixture.Rules.IndexOf("permissions:", StringComparison.Ordinal)] + "default: redact\n", null);

        Assert.Null(Decide("support-agent", RecordOperation.Read, "GET", null, "", rules));
        Assert.Equal(WriteRefusals.WriteNotAllowed, Decide("support-agent", RecordOperation.Update, "PATCH", "application/json", """{"email":"a"}""", rules)!.Refusal!.Code);
        Assert.Contains(rules.Notices, notice => notice.Contains("No permissions section", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("text/plain", null, WriteRefusals.ContentType)]
    [InlineData(null, null, WriteRefusals.ContentType)]
    [InlineData("application/json; charset=iso-8859-1", null, WriteRefusals.ContentType)]
    [InlineData("multipart/form-data; boundary=x", null, WriteRefusals.ContentType)]
    [InlineData("application/json", "gzip", WriteRefusals.Compressed)]
    [InlineData("application/json", "identity, gzip", WriteRefusals.Compressed)]
    public void ABodyTheGatewayCannotJudge_IsRefusedWithItsReason(string? contentType, string? encoding, string reason)
    {
        var report = new WriteJudge(new WriteLimits()).Decide(Compiled, Compiled.EntityFor("/api/contacts/c-1")!, Compiled.PermissionsFor(new HashSet<string> { "support-agent" }),
            false, RecordOperation.Update, "PATCH", contentType, encoding, """{"email":"a"}"""u8.ToArray(), null, 1024);

        Assert.Equal(WriteRefusals.BodyNotJudgeable, report!.Refusal!.Code);
        Assert.Equal(reason, report.Refusal.Reason);
    }

    [Fact]
    public void ABodyOverTheLimit_IsTooLarge_AndADeleteWithABodyIsRefused()
    {
        var judge = new WriteJudge(new WriteLimits());
        var entity = Compiled.EntityFor("/api/contacts/c-1")!;
        var officer = Compiled.PermissionsFor(new HashSet<string> { "compliance-officer" });

        Assert.Equal(WriteRefusals.TooLarge, judge.Decide(Compiled, entity, officer, true, RecordOperation.Update, "PATCH", "application/json", null, new byte[11], null, 10)!.Refusal!.Reason);
        Assert.Equal(WriteRefusals.UnexpectedBody, judge.Decide(Compiled, entity, officer, true, RecordOperation.Delete, "DELETE", "application/json", null, "{}"u8.ToArray(), null, 10)!.Refusal!.Reason);
        var delete = judge.Decide(Compiled, entity, officer, true, RecordOperation.Delete, "DELETE", null, null, ReadOnlyMemory<byte>.Empty, "c-1", 10)!;
        Assert.Null(delete.Refusal);
        Assert.Equal(["c-1"], delete.SubjectIds);
    }

    [Fact]
    public void PutOfJson_ReplacesTheRecord_SoEveryClassIsWritten()
    {
        var report = Decide("support-agent", RecordOperation.Update, "PUT", "application/json", """{"firstName":"Ada"}""");

        Assert.Equal(WriteRefusals.FieldNotWritable, report!.Refusal!.Code);
    }

    [Fact]
    public void ExplainMatrix_SaysWhichClassesARoleWrites()
    {
        var entity = Compiled.EntityFor("/api/contacts/c-1")!;

        Assert.Equal(ClassWriteAccess.Yes, Compiled.WriteAccessFor(Compiled.PermissionsFor(new HashSet<string> { "support-agent" }), entity, "contact"));
        Assert.Equal(ClassWriteAccess.No, Compiled.WriteAccessFor(Compiled.PermissionsFor(new HashSet<string> { "support-agent" }), entity, "national_id"));
        Assert.Equal(ClassWriteAccess.WithMfa, Compiled.WriteAccessFor(Compiled.PermissionsFor(new HashSet<string> { "compliance-officer" }), entity, "national_id"));
        Assert.Equal(ClassWriteAccess.No, Compiled.WriteAccessFor(Compiled.PermissionsFor(new HashSet<string> { "name-editor" }), entity, "unclassified"));
        Assert.Equal("allow", Compiled.ReadActionFor(Compiled.ViewFor(new HashSet<string> { "support-agent" }, false), "unclassified"));
    }

    [Fact]
    public void OneJudge_ReusedAcrossRulesVersions_ReportsEachVersionsClasses()
    {
        // The same class index, another class name: a report entry kept from the old rules would be wrong.
        static CompiledRules RulesWith(string emailClass) => RulesCompiler.Compile($$"""
            version: 1
            classes:
              name:    { sensitivity: medium }
              {{emailClass}}: { sensitivity: medium }
            entities:
              contact:
                routes: ["/api/contacts/{id}"]
                records: ["$"]
                fields: { "$.email": {{emailClass}} }
            roles:
              agent: { "*": allow }
            permissions:
              agent:
                "*": { operations: [read, update], classes: ["*"] }
            default: redact
            """, null);
        var judge = new WriteJudge(new WriteLimits());
        var body = """{"email":"a","email":"b"}"""u8.ToArray();

        string Classes(CompiledRules rules) => string.Join(",", judge.Judge(rules, rules.EntityFor("/api/contacts/c-1")!, rules.PermissionsFor(new HashSet<string> { "agent" }),
            false, RecordOperation.Update, false, WriteBodyKind.Json, body, null).Fields.Select(f => $"{f.Path} {f.Class}"));

        Assert.Equal("$.email contact", Classes(RulesWith("contact")));
        Assert.Equal("$.email contact", Classes(RulesWith("contact")));
        Assert.Equal("$.email phone", Classes(RulesWith("phone")));
    }

    private static WriteReport? Decide(string role, RecordOperation operation, string method, string? contentType, string body, CompiledRules? rules = null)
    {
        rules ??= Compiled;
        var entity = rules.EntityFor("/api/contacts/c-1")!;
        return new WriteJudge(new WriteLimits()).Decide(rules, entity, rules.PermissionsFor(new HashSet<string> { role }), false, operation, method,
            contentType, null, Encoding.UTF8.GetBytes(body), entity.SubjectFromPath("/api/contacts/c-1"), 1024 * 1024);
    }
}
