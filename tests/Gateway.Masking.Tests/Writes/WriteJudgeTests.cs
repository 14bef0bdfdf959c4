using System.Text;
using Gateway.Masking.Rules;
using Gateway.Masking.Writes;
using static Gateway.Masking.Tests.Writes.WriteFixture;

namespace Gateway.Masking.Tests.Writes;

public sealed class WriteJudgeTests
{
    [Fact]
    public void Judge_FieldsTheRoleMayWrite_AllowsAndReportsEachPathAndClass()
    {
        var report = Judge("""{"firstName":"Ada","email":"a@x","phones":[{"type":"m","number":"1"}],"address":{"city":"X"},"id":"c-1"}""");

        Assert.Null(report.Refusal);
        Assert.Equal(1, report.Records);
        Assert.Equal(
            ["$.firstName name", "$.email contact", "$.phones unclassified", "$.phones contact", "$.phones[*].type unclassified", "$.phones[*].number contact",
             "$.address address", "$.address.city address", "$.id unclassified"],
            report.Fields.Select(f => $"{f.Path} {f.Class}"));
        Assert.Equal(["c-1", "c-1"], report.SubjectIds);
    }

    [Theory]
    [InlineData("""{"firstName":"Ada","ssn":"1"}""", "$.ssn", "national_id")]
    [InlineData("""{"\u0073sn":"1"}""", "$.ssn", "national_id")]
    [InlineData("""{"firstName":"Ada","birthDate":"1990-01-01","firstName":"B"}""", "$.birthDate", "birth_date")]
    [InlineData("""{"ssn":"1","ssn":"2"}""", "$.ssn", "national_id")]
    [InlineData("""{"profile":{"nested":{"taxId":"1"}}}""", "$.profile.nested.taxId", "national_id")]
    [InlineData("""{"birthDate":null}""", "$.birthDate", "birth_date")]
    [InlineData("""{"ssn":{"value":"1"}}""", "$.ssn", "national_id")]
    public void Judge_AFieldOfAClassTheRoleMayNotWrite_RefusesNamingPathAndClass(string body, string path, string className)
    {
        var refusal = Judge(body).Refusal;

        Assert.NotNull(refusal);
        Assert.Equal(WriteRefusals.FieldNotWritable, refusal.Code);
        Assert.Equal(path, refusal.Path);
        Assert.Equal(className, refusal.Class);
        Assert.Equal("contact", refusal.Entity);
        Assert.DoesNotContain("\"1\"", refusal.Detail);
    }

    [Fact]
    public void Judge_ADuplicateKey_JudgesEveryOccurrence()
    {
        // A parser that keeps the first ssn and one that keeps the last both see one here.
        Assert.Equal("$.ssn", Judge("""{"ssn":"1","firstName":"a","ssn":null}""").Refusal?.Path);
        Assert.Equal("$.ssn", Judge("""{"firstName":"a","ssn":null}""").Refusal?.Path);
    }

    [Fact]
    public void Judge_CaseVariants_AreTheFieldOnACaseInsensitiveEntityOnly()
    {
        Assert.Null(Judge("""{"SSN":"1"}""").Refusal);
        Assert.Equal("national_id", Judge("""{"SSN":"1"}""", path: "/api/people/p-1").Refusal?.Class);
        Assert.Equal("national_id", Judge("""{"Ss\u004e":"1"}""", path: "/api/people/p-1").Refusal?.Class);
    }

    [Fact]
    public void Judge_NullOrArrayReplacingAField_WritesEveryClassBelowIt()
    {
        // Clearing the phones clears their numbers: a role that may not write contact may not clear them.
        var cleared = Judge("""{"phones":null}""", role: "name-editor");
        Assert.Equal(WriteRefusals.FieldNotWritable, cleared.Refusal?.Code);
        Assert.Equal("$.phones", cleared.Refusal?.Path);

        var emptied = Judge("""{"phones":[]}""", role: "name-editor");
        Assert.Equal("$.phones", emptied.Refusal?.Path);

        Assert.Null(Judge("""{"phones":null,"address":null}""").Refusal);
        Assert.Equal("national_id", Judge("""{"address":null,"ssn":null}""").Refusal?.Class);
    }

    [Fact]
    public void Judge_AnObject_IsMergedSoOnlyItsMembersWrite()
    {
        Assert.Null(Judge("""{"firstName":"a","profile":{}}""", role: "name-editor").Refusal);
        Assert.Equal("$.profile.x", Judge("""{"profile":{"x":1}}""", role: "name-editor").Refusal?.Path);
    }

    [Fact]
    public void Judge_ListOfRecords_JudgesEachAndNamesTheBadOne()
    {
        var report = Judge("""[{"firstName":"a","id":"c-1"},{"firstName":"b","id":"c-2"},{"ssn":"1"}]""", path: "/api/contacts", operation: RecordOperation.Create);

        Assert.Equal("$[2].ssn", report.Refusal?.Path);
        Assert.Equal(3, report.Records);
        Assert.Equal(["c-1", "c-2"], report.SubjectIds);
        Assert.Contains(report.Fields, f => f.Path == "$[*].firstName");
    }

    [Fact]
    public void Judge_ManyRecords_ReportEachPathOnce()
    {
        var body = "[" + string.Join(',', Enumerable.Range(0, 500).Select(i => $$"""{"firstName":"n{{i}}","email":"e{{i}}"}""")) + "]";

        var report = Judge(body, path: "/api/contacts", operation: RecordOperation.Create);

        Assert.Null(report.Refusal);
        Assert.Equal(500, report.Records);
        Assert.Equal(["$[*].firstName name", "$[*].email contact"], report.Fields.Select(f => $"{f.Path} {f.Class}"));
    }

    [Fact]
    public void Judge_MoreDistinctFieldsThanTheLimit_TruncatesTheReportButStillJudges()
    {
        var body = "{" + string.Join(',', Enumerable.Range(0, 20).Select(i => $"\"f{i}\":1")) + ",\"ssn\":1}";

        var report = Judge(body, limits: new WriteLimits { MaxReportedFields = 5 });

        Assert.True(report.FieldsTruncated);
        Assert.Equal(5, report.Fields.Count);
        Assert.Equal("$.ssn", report.Refusal?.Path);
    }

    [Fact]
    public void Judge_WriteRecordsOfTheEntity_LocateRecordsAndLeaveTheEnvelopeAlone()
    {
        var allowed = Judge("""{"inputs":[{"id":"1","properties":{"email":"x"}}]}""", path: "/api/batches", operation: RecordOperation.Create);
        Assert.Null(allowed.Refusal);
        Assert.Equal(1, allowed.Records);
        Assert.Equal(["$.inputs[*].properties.email contact"], allowed.Fields.Select(f => $"{f.Path} {f.Class}"));

        var refused = Judge("""{"inputs":[{"properties":{"ssn":"x"}}]}""", path: "/api/batches", operation: RecordOperation.Create);
        Assert.Equal("$.inputs[0].properties.ssn", refused.Refusal?.Path);
    }

    [Theory]
    [InlineData("[1,2]", "$[0]")]
    [InlineData("\"text\"", "$")]
    [InlineData("null", "$")]
    [InlineData("[[{\"ssn\":1}]]", "$[0]")]
    public void Judge_AValueWhereARecordGoes_IsNotJudgeable(string body, string path)
    {
        var refusal = Judge(body, path: "/api/contacts", operation: RecordOperation.Create).Refusal;

        Assert.Equal(WriteRefusals.BodyNotJudgeable, refusal?.Code);
        Assert.Equal(WriteRefusals.NotARecord, refusal?.Reason);
        Assert.Contains(path, refusal!.Detail);
    }

    [Fact]
    public void Judge_JsonPatchSentAsJson_IsNotJudgeable()
    {
        var refusal = Judge("""[{"op":"replace","path":"/ssn","value":"1"}]""").Refusal;

        Assert.Equal(WriteRefusals.PatchAsJson, refusal?.Reason);
    }

    public static TheoryData<byte[], string> Unjudgeable => new()
    {
        { [0xEF, 0xBB, 0xBF, .. "{\"firstName\":\"a\"}"u8], WriteRefusals.MalformedJson },
        { Encoding.Unicode.GetBytes("{\"firstName\":\"a\"}"), WriteRefusals.MalformedJson },
        { [.. "{\"firstName\":\""u8, 0xC0, 0xAF, .. "\"}"u8], WriteRefusals.MalformedJson },
        { [.. "{\""u8, 0xFF, .. "\":1}"u8], WriteRefusals.MalformedJson },
        { "{\"firstName\":\"a\"} {\"ssn\":1}"u8.ToArray(), WriteRefusals.MalformedJson },
        { "{\"firstName\":\"a\"}x"u8.ToArray(), WriteRefusals.MalformedJson },
        { "{\"firstName\":\"a\" /* c */}"u8.ToArray(), WriteRefusals.MalformedJson },
        { "{\"firstName\":\"\\ud800\"}"u8.ToArray(), WriteRefusals.MalformedJson },
        { "{\"\\udc00\":1}"u8.ToArray(), WriteRefusals.MalformedJson },
        { "{\"firstName\":\"a\""u8.ToArray(), WriteRefusals.MalformedJson },
        { "   "u8.ToArray(), WriteRefusals.MalformedJson },
        { Encoding.UTF8.GetBytes("[{\"a\":" + new string('[', 70) + new string(']', 70) + "}]"), WriteRefusals.TooDeep },
        { Encoding.UTF8.GetBytes("{\"a\":" + string.Concat(Enumerable.Repeat("{\"a\":", 70)) + "1" + new string('}', 71)), WriteRefusals.TooDeep },
    };

    [Theory]
    [MemberData(nameof(Unjudgeable))]
    public void Judge_ABodyTheGatewayCannotRead_IsNotJudgeable(byte[] body, string reason)
    {
        var refusal = JudgeBytes(body, path: "/api/contacts", operation: RecordOperation.Create).Refusal;

        Assert.Equal(WriteRefusals.BodyNotJudgeable, refusal?.Code);
        Assert.Equal(reason, refusal?.Reason);
    }

    [Fact]
    public void Judge_HugeStringsAndNumericKeys_AreJudgedByTheirNames()
    {
        Assert.Null(Judge($$$"""{"firstName":"{{{new string('x', 500_000)}}}","0":1,"12":{"a":true}}""").Refusal);
        Assert.Equal("$.ssn", Judge($$"""{"notes":"{{new string('x', 500_000)}}","ssn":1}""").Refusal?.Path);
    }

    [Fact]
    public void Judge_MfaClasses_NeedMfa()
    {
        var without = Judge("""{"ssn":"1"}""", role: "compliance-officer");
        Assert.Equal(WriteRefusals.MfaRequiredForWrite, without.Refusal?.Code);
        Assert.Equal("$.ssn", without.Refusal?.Path);

        Assert.Null(Judge("""{"ssn":"1","firstName":"a"}""", role: "compliance-officer", mfa: true).Refusal);
        Assert.Null(Judge("""{"firstName":"a"}""", role: "compliance-officer").Refusal);
    }

    [Fact]
    public void Judge_Put_ReplacesTheRecordSoEveryClassIsWritten()
    {
        var refusal = Judge("""{"firstName":"a"}""", replaces: true).Refusal;

        Assert.Equal(WriteRefusals.FieldNotWritable, refusal?.Code);
        Assert.Equal("$", refusal?.Path);
        Assert.Equal("national_id", refusal?.Class);
        Assert.Null(Judge("""{"firstName":"a"}""", role: "compliance-officer", mfa: true, replaces: true).Refusal);
    }

    [Fact]
    public void Judge_CallerWithoutAListedRole_MayWriteNothing()
    {
        var refusal = Judge("""{"firstName":"a"}""", role: "stranger").Refusal;

        Assert.Equal(WriteRefusals.FieldNotWritable, refusal?.Code);
        Assert.StartsWith("The caller's roles may not write", refusal?.Detail);
    }

    [Fact]
    public void Judge_TheSubjectInThePath_IsReported()
    {
        Assert.Equal(["c-7"], Judge("""{"firstName":"a"}""", path: "/api/contacts/c-7").SubjectIds);
    }

    // ---- merge patch ----

    [Fact]
    public void Judge_MergePatch_EveryMemberAndEveryNullIsAWrite()
    {
        Assert.Null(Judge("""{"email":null,"address":{"city":null}}""", kind: WriteBodyKind.MergePatch).Refusal);
        Assert.Equal("$.birthDate", Judge("""{"birthDate":null}""", kind: WriteBodyKind.MergePatch).Refusal?.Path);
        Assert.Equal(WriteRefusals.NotARecord, Judge("""[{"ssn":1}]""", kind: WriteBodyKind.MergePatch).Refusal?.Reason);
    }

    // ---- JSON Patch ----

    [Theory]
    [InlineData("""[{"op":"replace","path":"/firstName","value":"a"},{"op":"add","path":"/phones/-","value":{"type":"m","number":"1"}}]""", null, null)]
    [InlineData("""[{"op":"replace","path":"/ssn","value":"a"}]""", "$.ssn", "national_id")]
    [InlineData("""[{"value":"a","path":"/ssn","op":"replace"}]""", "$.ssn", "national_id")]
    [InlineData("""[{"op":"replace","path":"/\u0073sn","value":"a"}]""", "$.ssn", "national_id")]
    [InlineData("""[{"op":"remove","path":"/birthDate"}]""", "$.birthDate", "birth_date")]
    [InlineData("""[{"op":"add","path":"/profile","value":{"taxId":"1"}}]""", "$.profile.taxId", "national_id")]
    [InlineData("""[{"op":"add","path":"/address","value":{"ssn":"1"}}]""", null, null)]
    [InlineData("""[{"op":"move","from":"/ssn","path":"/firstName"}]""", "$.ssn", "national_id")]
    [InlineData("""[{"op":"copy","from":"/birthDate","path":"/firstName"}]""", "$.birthDate", "birth_date")]
    [InlineData("""[{"op":"test","path":"/ssn","value":"123"}]""", "$.ssn", "national_id")]
    [InlineData("""[{"op":"replace","path":"","value":{"firstName":"a"}}]""", "$", "national_id")]
    [InlineData("""[{"op":"remove","path":"/phones"}]""", null, null)]
    public void Judge_JsonPatch_JudgesEveryPathItWrites(string body, string? path, string? className)
    {
        var refusal = Judge(body, kind: WriteBodyKind.JsonPatch).Refusal;

        Assert.Equal(path, refusal?.Path);
        Assert.Equal(className, refusal?.Class);
    }

    [Fact]
    public void Judge_JsonPatchPointerEscapes_AreDecoded()
    {
        var rules = RulesCompiler.Compile(WriteFixture.Rules.Replace("\"**.taxId\":           national_id", "\"$['a/b~c']\":        national_id"), null);

        var refusal = Judge("""[{"op":"replace","path":"/a~1b~0c","value":1}]""", kind: WriteBodyKind.JsonPatch, rules: rules).Refusal;

        Assert.Equal("national_id", refusal?.Class);
        Assert.Equal("$['a/b~c']", refusal?.Path);
    }

    [Fact]
    public void Judge_JsonPatchNumericSegment_IsJudgedAsIndexAndAsName()
    {
        var rules = RulesCompiler.Compile(WriteFixture.Rules.Replace("\"**.taxId\":           national_id", "\"$.codes['0']\":      national_id"), null);

        Assert.Equal("national_id", Judge("""[{"op":"replace","path":"/codes/0","value":1}]""", kind: WriteBodyKind.JsonPatch, rules: rules).Refusal?.Class);
        Assert.Equal("unclassified", Judge("""[{"op":"replace","path":"/phones/0","value":{"number":"1"}}]""", kind: WriteBodyKind.JsonPatch, role: "name-editor").Refusal?.Class);
    }

    [Theory]
    [InlineData("""{"op":"replace","path":"/firstName","value":"a"}""", WriteRefusals.MalformedPatch)]
    [InlineData("""[{"op":"replace","value":"a"}]""", WriteRefusals.MalformedPatch)]
    [InlineData("""[{"op":"rename","path":"/firstName"}]""", WriteRefusals.MalformedPatch)]
    [InlineData("""[{"op":"move","path":"/firstName"}]""", WriteRefusals.MalformedPatch)]
    [InlineData("""[{"op":"replace","path":"firstName","value":"a"}]""", WriteRefusals.MalformedPatch)]
    [InlineData("""[{"op":"replace","path":"/a~2","value":"a"}]""", WriteRefusals.MalformedPatch)]
    [InlineData("""[{"op":"replace","path":1,"value":"a"}]""", WriteRefusals.MalformedPatch)]
    [InlineData("""[{"op":"replace","path":"/firstName","path":"/ssn","value":"a"}]""", WriteRefusals.DuplicateKeyConflict)]
    [InlineData("""[{"op":"replace","op":"test","path":"/firstName","value":"a"}]""", WriteRefusals.DuplicateKeyConflict)]
    [InlineData("""[{"op":"replace","path":"/1/2/3/4/5","value":"a"}]""", WriteRefusals.MalformedPatch)]
    [InlineData("""[1]""", WriteRefusals.MalformedPatch)]
    public void Judge_MalformedJsonPatch_IsNotJudgeable(string body, string reason)
    {
        var refusal = Judge(body, kind: WriteBodyKind.JsonPatch).Refusal;

        Assert.Equal(WriteRefusals.BodyNotJudgeable, refusal?.Code);
        Assert.Equal(reason, refusal?.Reason);
    }

    [Fact]
    public void Judge_JsonPatch_ReportsPathsAsSelectorsDo()
    {
        var report = Judge("""[{"op":"replace","path":"/phones/0/number","value":"1"},{"op":"add","path":"/address","value":{"city":"x"}}]""", kind: WriteBodyKind.JsonPatch);

        Assert.Null(report.Refusal);
        Assert.Contains(report.Fields, f => f is { Path: "$.phones[*].number", Class: "contact" });
        Assert.Contains(report.Fields, f => f is { Path: "$.address.city", Class: "address" });
    }

    // ---- typed collections ----

    private const string Collection = "/services/data/v59.0/composite/sobjects";

    [Fact]
    public void Judge_ACollectionOfTypedRecords_JudgesEachByItsTypesEntity()
    {
        var report = Judge("""{"allOrNone":true,"records":[{"attributes":{"type":"Contact"},"Email":"a@x","Id":"003A"},{"attributes":{"type":"contact"},"Email":"b@x"}]}""",
            path: Collection, operation: RecordOperation.Create);

        Assert.Null(report.Refusal);
        Assert.Equal(2, report.Records);
        Assert.Equal(["003A"], report.SubjectIds);
        Assert.Contains(report.Fields, f => f is { Path: "$.records[*].Email", Class: "contact" });
        Assert.DoesNotContain(report.Fields, f => f.Path == "$.records[*].attributes.type");
    }

    [Fact]
    public void Judge_ACollectionWithAFieldTheRoleMayNotWrite_NamesTheRecord()
    {
        var refusal = Judge("""{"records":[{"attributes":{"type":"Contact"},"Email":"a"},{"Birthdate":"2000-01-01","attributes":{"type":"Contact"}}]}""",
            path: Collection, operation: RecordOperation.Create).Refusal;

        Assert.Equal("$.records[1].Birthdate", refusal?.Path);
        Assert.Equal("sf-contact", refusal?.Entity);
    }

    [Fact]
    public void Judge_ACollectionMixingTypes_NeedsTheOperationOnEachTypesEntity()
    {
        var refusal = Judge("""{"records":[{"attributes":{"type":"Contact"},"Email":"a"},{"attributes":{"type":"Account"},"Name":"Acme"}]}""",
            path: Collection, operation: RecordOperation.Create).Refusal;

        Assert.Equal(WriteRefusals.OperationNotAllowed, refusal?.Code);
        Assert.Equal("sf-account", refusal?.Entity);
    }

    [Theory]
    [InlineData("""{"records":[{"Email":"a"}]}""", WriteRefusals.RecordTypeMissing)]
    [InlineData("""{"records":[{"attributes":{"type":1},"Email":"a"}]}""", WriteRefusals.RecordTypeMissing)]
    [InlineData("""{"records":[{"attributes":{"type":"Opportunity"}}]}""", WriteRefusals.RecordTypeUnknown)]
    [InlineData("""{"records":[{"attributes":{"type":"Contact"},"attributes":{"type":"Account"}}]}""", WriteRefusals.RecordTypeAmbiguous)]
    [InlineData("""{"records":[{"attributes":{"type":"Contact","type":"Account"}}]}""", WriteRefusals.RecordTypeAmbiguous)]
    public void Judge_ATypedRecordWithoutOneClearType_IsNotJudgeable(string body, string reason)
    {
        Assert.Equal(reason, Judge(body, path: Collection, operation: RecordOperation.Create).Refusal?.Reason);
    }

    [Fact]
    public void Judge_TheSameBodyTwice_GivesTheSameVerdict()
    {
        var body = """{"firstName":"a","phones":[{"number":"1"}]}""";

        Assert.Equal(Judge(body).Fields, Judge(body).Fields);
    }
}
