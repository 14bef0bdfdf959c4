using System.Text;
using System.Text.Json;
using static Gateway.Masking.Tests.MaskingFixture;

namespace Gateway.Masking.Tests;

public sealed class JsonMaskerTests
{
    private const string Contact = """
        {"id":"c-1","firstName":"Ada","email":"ada.lovelace@example.com","phones":[{"type":"mobile","number":"+1-555-212-5704"}],
         "birthDate":"1960-05-08","address":{"street":"155 Analytical Way","city":"Lakeside"},"ssn":"195-33-7518",
         "notes":"Paid with card 4111 1111 1111 1111, mail ada@example.org","hs_email_optout":false,"score":42}
        """;

    private static readonly string List = "{\"data\":[" + Contact + "," + Contact.Replace("c-1", "c-2") + "],\"paging\":{\"page\":1,\"total\":2}}";

    [Fact]
    public void SupportAgent_SeesEachClassAsGranted()
    {
        using var masked = JsonDocument.Parse(Mask(Contact, "support-agent", path: "/api/contacts/c-1"));
        var root = masked.RootElement;

        Assert.Equal("c-1", root.GetProperty("id").GetString());
        Assert.Equal("Ada", root.GetProperty("firstName").GetString());
        Assert.EndsWith(".com", root.GetProperty("email").GetString());
        Assert.DoesNotContain("lovelace", root.GetProperty("email").GetString());
        Assert.EndsWith("5704", root.GetProperty("phones")[0].GetProperty("number").GetString());
        Assert.Equal("mobile", root.GetProperty("phones")[0].GetProperty("type").GetString());
        Assert.Equal("1960", root.GetProperty("birthDate").GetString());
        Assert.DoesNotContain("Analytical", root.GetProperty("address").GetProperty("street").GetString());
        Assert.Equal("[REDACTED]", root.GetProperty("ssn").GetString());
        Assert.Equal("Paid with card [CARD], mail [EMAIL]", root.GetProperty("notes").GetString());
        Assert.Equal(42, root.GetProperty("score").GetInt32());
    }

    [Fact]
    public void MarketingAnalyst_GetsStablePseudonymsAndNothingElse()
    {
        using var masked = JsonDocument.Parse(Mask(List, "marketing-analyst"));
        var records = masked.RootElement.GetProperty("data");

        var first = records[0];
        Assert.StartsWith("h:", first.GetProperty("email").GetString());
        Assert.Equal(first.GetProperty("email").GetString(), records[1].GetProperty("email").GetString());
        Assert.False(first.TryGetProperty("ssn", out _));
        Assert.False(first.TryGetProperty("id", out _));
        Assert.False(first.TryGetProperty("notes", out _));
        Assert.False(first.TryGetProperty("birthDate", out _));
        Assert.DoesNotContain("Analytical", masked.RootElement.GetRawText());
    }

    [Fact]
    public void ComplianceOfficer_WithoutMfa_SeesRedacted_WithMfa_SeesAll()
    {
        var without = Mask(Contact, "compliance-officer", mfa: false, path: "/api/contacts/c-1");
        var with = Mask(Contact, "compliance-officer", mfa: true, path: "/api/contacts/c-1");

        Assert.DoesNotContain("195-33-7518", without);
        Assert.Contains("\"ssn\":\"[REDACTED]\"", without);
        Assert.Contains("195-33-7518", with);
        Assert.Contains("4111 1111 1111 1111", with);
    }

    [Fact]
    public void UnknownRole_GetsTheDefaultForEverythingInRecords()
    {
        var masked = Mask(Contact, "intern", path: "/api/contacts/c-1");

        foreach (var secret in new[] { "Ada", "lovelace", "5704", "1960", "Analytical", "7518", "4111" })
        {
            Assert.DoesNotContain(secret, masked);
        }
        Assert.Contains("\"score\":null", masked);
    }

    [Fact]
    public void List_EveryRecordIsMasked_AndThePagingEnvelopeStays()
    {
        using var masked = JsonDocument.Parse(Mask(List, "support-agent"));

        Assert.Equal(2, masked.RootElement.GetProperty("data").GetArrayLength());
        Assert.All(masked.RootElement.GetProperty("data").EnumerateArray(), r => Assert.Equal("[REDACTED]", r.GetProperty("ssn").GetString()));
        Assert.Equal(2, masked.RootElement.GetProperty("paging").GetProperty("total").GetInt32());
    }

    [Fact]
    public void Report_WithNoSubjectsToList_StillCountsRecordsAndMaskedFields_AndMasksAlike()
    {
        var (listedOutput, _) = MaskWithReport(List, "support-agent");
        var (output, report) = MaskWithReport(List, "support-agent", limits: new MaskingLimits { MaxReportedSubjects = 0 });

        Assert.Equal(listedOutput, output);
        Assert.Equal(3, report.Records);
        Assert.Empty(report.SubjectIds);
        Assert.Equal(2, report.MaskedByClassAndAction["national_id:redact"]);
    }

    [Fact]
    public void Report_CountsRecordsSubjectsAndMaskedFields()
    {
        var (_, report) = MaskWithReport(List, "support-agent");

        Assert.Equal(3, report.Records);
        Assert.Equal(["c-1", "c-2"], report.SubjectIds);
        Assert.Equal(2, report.MaskedByClassAndAction["national_id:redact"]);
        Assert.Equal(2, report.MaskedByClassAndAction["birth_date:generalize"]);
        Assert.Equal(2, report.MaskedByClassAndAction["free_text:detect"]);
        Assert.Equal("contact", report.Entity);
        Assert.Equal(16, report.RulesVersion.Length);
    }

    [Theory]
    [InlineData("""{"\u0073sn":"195-33-7518"}""")]
    [InlineData("""{"s\u0073n":"195-33-7518"}""")]
    [InlineData("""{"ssn":"1","ssn":"195-33-7518"}""")]
    [InlineData("""{"ssn":"195-33-7518","ssn":"195-33-7518"}""")]
    [InlineData("""{"ssn":{"value":"195-33-7518"}}""")]
    [InlineData("""{"ssn":["195-33-7518"]}""")]
    [InlineData("""{"ssn":"195\u002d33\u002d7518"}""")]
    [InlineData("""{"nested":{"deeper":{"taxId":"195-33-7518"}}}""")]
    public void JsonTricks_NeverLetTheValueThrough(string body)
    {
        var masked = Mask(body, "support-agent", path: "/api/contacts/c-1");

        Assert.DoesNotContain("7518", masked);
        Assert.DoesNotContain("\\u002d33", masked);
        JsonDocument.Parse(masked).Dispose();
    }

    [Fact]
    public void AnywhereSelector_AppliesOutsideRecordsToo()
    {
        var masked = Mask("""{"meta":{"taxId":"195-33-7518"},"data":[]}""", "support-agent");

        Assert.Contains("\"taxId\":\"[REDACTED]\"", masked);
    }

    [Fact]
    public void KeyCase_IsExact_UnlessTheEntityIsCaseInsensitive()
    {
        var exact = Compile();
        var relaxed = Compile(MaskingFixture.Rules.Replace("    subject: \"$.id\"", "    subject: \"$.id\"\n    case_insensitive: true"));

        Assert.Contains("195-33-7518", Mask("""{"SSN":"195-33-7518"}""", "support-agent", path: "/api/contacts/c-1", rules: exact));
        Assert.DoesNotContain("195-33-7518", Mask("""{"SSN":"195-33-7518"}""", "support-agent", path: "/api/contacts/c-1", rules: relaxed));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Streaming_InAnyChunkSize_GivesTheSameOutput(int chunk)
    {
        Assert.Equal(Mask(List, "support-agent"), Mask(List, "support-agent", chunk: chunk));
    }

    [Fact]
    public void Numbers_AreCopiedExactly_WhenAllowed_AndNulledWhenRedacted()
    {
        Assert.Equal("""{"score":1e400,"n":-0.0000001}""", Mask("""{"score":1e400,"n":-0.0000001}""", "support-agent", path: "/api/contacts/c-1"));
        Assert.Equal("""{"ssn":null}""", Mask("""{"ssn":1e400}""", "support-agent", path: "/api/contacts/c-1"));
    }

    [Fact]
    public void Utf8Bom_IsAccepted_Utf16IsRefused()
    {
        var withBom = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("""{"ssn":"195-33-7518"}""")).ToArray();
        Assert.Equal("""{"ssn":"[REDACTED]"}""", MaskBytes(withBom, "support-agent", path: "/api/contacts/c-1").Output);

        var utf16 = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("""{"ssn":"195-33-7518"}""")).ToArray();
        Assert.Equal("not_utf8", Assert.Throws<MaskingException>(() => MaskBytes(utf16, "support-agent", path: "/api/contacts/c-1")).Reason);
        var utf16WithoutBom = Encoding.Unicode.GetBytes("""{"ssn":"195-33-7518"}""");
        Assert.Equal("not_utf8", Assert.Throws<MaskingException>(() => MaskBytes(utf16WithoutBom, "support-agent", path: "/api/contacts/c-1")).Reason);
    }

    [Theory]
    [InlineData("", "empty_body")]
    [InlineData("   ", "empty_body")]
    [InlineData("""{"ssn":"195-33-7518" """, "invalid_json")]
    [InlineData("""{"ssn":"195-33-7518"}{"ssn":"1"}""", "invalid_json")]
    [InlineData("""{"ssn":'195-33-7518'}""", "invalid_json")]
    [InlineData("""{"ssn":"195-33-7518",}""", "invalid_json")]
    [InlineData("""{"ssn":"195-33-7518" /* c */}""", "invalid_json")]
    [InlineData("""["unterminated""", "invalid_json")]
    public void BrokenBody_IsRefused(string body, string reason)
    {
        Assert.Equal(reason, Assert.Throws<MaskingException>(() => Mask(body, "support-agent", path: "/api/contacts/c-1")).Reason);
    }

    [Theory]
    [InlineData(65)]
    [InlineData(10_000)]
    public void NestingBeyondTheLimit_IsRefused(int depth)
    {
        var body = new string('[', depth) + new string(']', depth);

        Assert.Equal("too_deep", Assert.Throws<MaskingException>(() => Mask(body, "support-agent", path: "/api/contacts/c-1")).Reason);
    }

    [Fact]
    public void NestingAtTheLimit_IsMasked()
    {
        var body = new string('[', 64) + new string(']', 64);

        Assert.Equal(body, Mask(body, "support-agent", path: "/api/contacts/c-1"));
    }

    [Fact]
    public void NestingBeyondTheLimit_InsideARemovedValue_IsStillRefused()
    {
        var body = "{\"ssn\":" + new string('[', 100) + new string(']', 100) + "}";

        Assert.Equal("too_deep", Assert.Throws<MaskingException>(() => Mask(body, "marketing-analyst", path: "/api/contacts/c-1")).Reason);
    }

    [Fact]
    public void ValueLargerThanTheLimit_IsRefused()
    {
        var body = $$"""{"notes":"{{new string('x', 200_000)}}"}""";

        var error = Assert.Throws<MaskingException>(() => Mask(body, "support-agent", path: "/api/contacts/c-1", limits: new MaskingLimits { MaxValueBytes = 64 * 1024 }));

        Assert.Equal("value_too_large", error.Reason);
    }

    [Fact]
    public void FiftyMegabyteString_IsRefusedWithoutReadingItWhole()
    {
        var body = new byte[50 * 1024 * 1024 + 16];
        Array.Fill(body, (byte)'x');
        "{\"notes\":\""u8.CopyTo(body);
        "\"}"u8.CopyTo(body.AsSpan(body.Length - 2));

        var error = Assert.Throws<MaskingException>(() => MaskBytes(body, "support-agent", path: "/api/contacts/c-1"));

        Assert.Equal("value_too_large", error.Reason);
    }

    [Fact]
    public void BodyLargerThanTheLimit_IsRefused()
    {
        var body = "[" + string.Join(',', Enumerable.Repeat("1", 10_000)) + "]";

        Assert.Equal("body_too_large", Assert.Throws<MaskingException>(() => Mask(body, "support-agent", limits: new MaskingLimits { MaxBodyBytes = 1000 })).Reason);
    }

    [Theory]
    [InlineData("42")]
    [InlineData("\"c-1\"")]
    public void RemovedRootValue_BecomesNull(string body)
    {
        Assert.Equal("null", Mask(body, "marketing-analyst", path: "/api/contacts/c-1"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Ndjson_EachValueIsMaskedOnItsOwnLine(int chunk)
    {
        var body = Encoding.UTF8.GetBytes("{\"ssn\":\"195-33-7518\"}\n\n  {\"ssn\":\"301-12-4455\",\"id\":\"c-2\"}\n42\n");

        var (output, report) = MaskBytes(body, "support-agent", path: "/api/contacts/c-1", chunk: chunk, lines: true);

        Assert.Equal("{\"ssn\":\"[REDACTED]\"}\n{\"ssn\":\"[REDACTED]\",\"id\":\"c-2\"}\n42\n", output);
        Assert.Equal(["c-2"], report.SubjectIds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    public void Ndjson_WithNoValues_IsEmpty(string body)
    {
        Assert.Equal(string.Empty, MaskBytes(Encoding.UTF8.GetBytes(body), "support-agent", path: "/api/contacts/c-1", lines: true).Output);
    }

    [Fact]
    public void Ndjson_TruncatedLastLine_IsRefused()
    {
        var body = Encoding.UTF8.GetBytes("{\"ssn\":\"1\"}\n{\"ssn\":\"195-33");

        Assert.Throws<MaskingException>(() => MaskBytes(body, "support-agent", path: "/api/contacts/c-1", lines: true));
    }

    [Fact]
    public void RemovedArrayElements_LeaveAValidArray()
    {
        var masked = Mask("""{"tags":["a","b"],"ssn":"1"}""", "marketing-analyst", path: "/api/contacts/c-1");

        Assert.Equal("""{"tags":[]}""", masked);
    }

    [Fact]
    public void NullRecords_AndEmptyContainers_StayValid()
    {
        Assert.Equal("""{"data":[null,{},[]],"paging":{}}""", Mask("""{"data":[null,{},[]],"paging":{}}""", "support-agent"));
    }

    [Fact]
    public void EscapedStrings_AreUnescapedOnce_AndStayValidJson()
    {
        var masked = Mask("""{"firstName":"A\"da\\ \u00e9\n","ssn":"x"}""", "support-agent", path: "/api/contacts/c-1");

        Assert.Equal("A\"da\\ é\n", JsonDocument.Parse(masked).RootElement.GetProperty("firstName").GetString());
    }

    private const string PrettyContact = """
        {
          "ssn" : "195-33-7518",
          "tags" : [ "a" , "b" ] ,
          "email" :"ada@example.com",
          "firstName": "Ada",
          "phones": [ { "type": "mobile", "number": "+1 555 0100" } , { "number" : "+1 555 0199" } ],
          "address": {
            "street": "1 Analytical Way",
            "postcode": "83271"
          },
          "score": 1e3 ,
          "notes": "call ada@example.com"
        }
        """;

    [Theory]
    [InlineData("support-agent", 0)]
    [InlineData("support-agent", 1)]
    [InlineData("marketing-analyst", 0)]
    [InlineData("marketing-analyst", 1)]
    [InlineData("marketing-analyst", 3)]
    [InlineData("compliance-officer", 2)]
    public void Whitespace_AndRemovedMembers_AnywhereInABody_GiveTheSameOutputAsMinifiedInput(string role, int chunk)
    {
        var minified = JsonSerializer.Serialize(JsonDocument.Parse(PrettyContact).RootElement);

        var fromPretty = Mask(PrettyContact, role, path: "/api/contacts/c-1", chunk: chunk);

        Assert.Equal(Mask(minified, role, path: "/api/contacts/c-1"), fromPretty);
        JsonDocument.Parse(fromPretty).Dispose();
    }

    [Fact]
    public void MarketingAnalyst_RemovingTheFirstAndLastMembers_LeavesNoStraySeparator()
    {
        var masked = Mask("""{"ssn":"1","email":"a@b.c","tags":["x"],"phones":[{"type":"t","number":"5"},{"type":"u"}],"notes":"n"}""", "marketing-analyst", path: "/api/contacts/c-1");

        var root = JsonDocument.Parse(masked).RootElement;
        Assert.Equal(["email", "tags", "phones"], root.EnumerateObject().Select(p => p.Name));
        Assert.Contains(""","tags":[],"phones":[{"number":"h:""", masked);
        Assert.EndsWith("""},{}]}""", masked);
    }

    [Theory]
    [InlineData("ssn")]
    [InlineData("firstName")]
    [InlineData("tags")]
    public void InvalidUtf8_IsRefused_WhetherTheValueIsMaskedKeptOrRemoved(string field)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"{{field}}":"ab#cd"}""");
        body[Array.IndexOf(body, (byte)'#')] = 0xFF;

        Assert.Equal("invalid_json", Assert.Throws<MaskingException>(() => MaskBytes(body, "marketing-analyst", path: "/api/contacts/c-1")).Reason);
        Assert.Equal("invalid_json", Assert.Throws<MaskingException>(() => MaskBytes(body, "support-agent", path: "/api/contacts/c-1")).Reason);
    }

    [Fact]
    public void InvalidUtf8_InAPropertyName_IsRefused()
    {
        var body = Encoding.UTF8.GetBytes("""{"fi#st":"x"}""");
        body[Array.IndexOf(body, (byte)'#')] = 0xC3;

        Assert.Equal("invalid_json", Assert.Throws<MaskingException>(() => MaskBytes(body, "support-agent", path: "/api/contacts/c-1", chunk: 4)).Reason);
    }

    [Fact]
    public void EscapedNames_GoOutAsTheyCame_AndStillMatchTheirSelectors()
    {
        var masked = Mask("""{"fir\u0073tName":"Ada","\u0073sn":"195-33-7518"}""", "support-agent", path: "/api/contacts/c-1");

        Assert.Equal("""{"fir\u0073tName":"Ada","\u0073sn":"[REDACTED]"}""", masked);
    }
}
