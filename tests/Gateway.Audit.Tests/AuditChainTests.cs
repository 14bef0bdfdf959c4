using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Masking;

namespace Gateway.Audit.Tests;

public sealed class AuditChainTests
{
    [Fact]
    public void Append_NumbersAndLinksEvents_FromTheHead()
    {
        var lines = AuditTestEvents.Chain(3);

        var documents = lines.Select(l => JsonDocument.Parse(l.Json).RootElement).ToList();
        Assert.Equal([1L, 2L, 3L], documents.Select(d => d.GetProperty("metadata").GetProperty("sequence").GetInt64()));
        Assert.Equal(ChainHead.Genesis.Hash, documents[0].GetProperty("unmapped").GetProperty("prev_hash").GetString());
        Assert.Equal(lines[0].Hash, documents[1].GetProperty("unmapped").GetProperty("prev_hash").GetString());
        Assert.Equal(lines[1].Hash, documents[2].GetProperty("unmapped").GetProperty("prev_hash").GetString());
        Assert.All(lines, l => Assert.Equal(AuditTestEvents.Keys.ChainHash(l.Json), l.Hash));
    }

    [Fact]
    public void Append_ContinuesFromARecoveredHead()
    {
        var chain = new AuditChain(AuditTestEvents.Keys, "gw", new ChainHead(41, new string('a', 64)));
        var lines = new ArrayBufferWriter<byte>();

        chain.Append(AuditTestEvents.Numbered(AuditTestEvents.Request(), 42), lines);

        var json = JsonDocument.Parse(AuditTestEvents.Parse(Encoding.UTF8.GetString(lines.WrittenSpan).TrimEnd('\n')).Json).RootElement;
        Assert.Equal(42, json.GetProperty("metadata").GetProperty("sequence").GetInt64());
        Assert.Equal(new string('a', 64), json.GetProperty("unmapped").GetProperty("prev_hash").GetString());
        Assert.Equal(42, chain.Head.Sequence);
    }

    [Fact]
    public void ApiActivity_IsOcsfApiActivity_WithSubjectsAsKeyedHashes()
    {
        var masking = new MaskingReport("v-1234", "contact", 2, ["c-1", "c-2"], new Dictionary<string, int> { ["contact:partial"] = 2, ["national_id:redact"] = 1 });
        var json = Serialize(AuditTestEvents.Request(masking: masking));

        Assert.Equal(6003, json.GetProperty("class_uid").GetInt32());
        Assert.Equal(2, json.GetProperty("activity_id").GetInt32());
        Assert.Equal(600302, json.GetProperty("type_uid").GetInt32());
        Assert.Equal(4, json.GetProperty("action_id").GetInt32());
        Assert.Equal("agent-7", json.GetProperty("actor").GetProperty("user").GetProperty("uid").GetString());
        Assert.Equal("support-agent", json.GetProperty("actor").GetProperty("user").GetProperty("groups")[0].GetProperty("name").GetString());
        Assert.Equal("v-1234", json.GetProperty("policy").GetProperty("version").GetString());
        var resources = json.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("uid").GetString()).ToList();
        Assert.Equal([AuditTestEvents.Keys.Pseudonym("c-1"), AuditTestEvents.Keys.Pseudonym("c-2")], resources);
        Assert.DoesNotContain("\"c-1\"", json.GetRawText());
        Assert.Equal(1, json.GetProperty("unmapped").GetProperty("masking").GetProperty("masked").GetProperty("national_id:redact").GetInt32());
    }

    [Fact]
    public void ApiActivity_WritesRolesAndConsentCounts_InOrdinalOrder_WhateverOrderTheyCameIn()
    {
        var consent = new ConsentReport("marketing", "consent", maxListed: 10);
        consent.Add(new SubjectHash(1), "removed", "withdrawn");
        consent.Add(new SubjectHash(2), "allowed", "granted");
        consent.Add(new SubjectHash(3), "removed", "withdrawn");
        consent.Add(null, "masked", "no_subject");
        var roles = new HashSet<string> { "support-agent", "compliance-officer", "Auditor" };

        var json = Serialize(AuditTestEvents.Request(consent: consent, roles: roles));

        var groups = json.GetProperty("actor").GetProperty("user").GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("name").GetString());
        Assert.Equal(["Auditor", "compliance-officer", "support-agent"], groups);
        var counts = json.GetProperty("unmapped").GetProperty("consent_counts").EnumerateObject().Select(p => (p.Name, p.Value.GetInt32()));
        Assert.Equal([("allowed:granted", 1), ("masked:no_subject", 1), ("removed:withdrawn", 2)], counts);
    }

    [Fact]
    public void ApiActivity_Denied_IsDeniedAndBlockedWithItsReason()
    {
        var json = Serialize(AuditTestEvents.Request(status: 401, deniedBy: "identity"));

        Assert.Equal(2, json.GetProperty("action_id").GetInt32());
        Assert.Equal(2, json.GetProperty("disposition_id").GetInt32());
        Assert.Equal(2, json.GetProperty("status_id").GetInt32());
        Assert.Equal("token_expired", json.GetProperty("status_detail").GetString());
        Assert.Equal("identity", json.GetProperty("unmapped").GetProperty("denied_by").GetString());
    }

    [Fact]
    public void Pseudonym_DependsOnTheKey_AndIsStable()
    {
        var other = new AuditKeys(Encoding.UTF8.GetBytes("another-audit-key-0123456789abcdef-012345"));

        Assert.Equal(AuditTestEvents.Keys.Pseudonym("c-1"), AuditTestEvents.Keys.Pseudonym("c-1"));
        Assert.NotEqual(AuditTestEvents.Keys.Pseudonym("c-1"), other.Pseudonym("c-1"));
        Assert.NotEqual(AuditTestEvents.Keys.Pseudonym("c-1"), AuditTestEvents.Keys.Pseudonym("c-2"));
        Assert.Equal(32, AuditTestEvents.Keys.Pseudonym("c-1").Length);
    }

    private static JsonElement Serialize(AuditEvent auditEvent)
    {
        var chain = new AuditChain(AuditTestEvents.Keys, "gw", ChainHead.Genesis);
        var lines = new ArrayBufferWriter<byte>();
        chain.Append(AuditTestEvents.Numbered(auditEvent, 1), lines);
        return JsonDocument.Parse(AuditTestEvents.Parse(Encoding.UTF8.GetString(lines.WrittenSpan).TrimEnd('\n')).Json).RootElement.Clone();
    }
}
