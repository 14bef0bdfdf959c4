using System.Text;
using Gateway.Masking.Rules;

namespace Gateway.Audit.Tests;

/// <summary>The record of processing from audit events: who received what, how much, about how many people.</summary>
public sealed class ProcessingRecordTests
{
    private static readonly CompiledRules Rules = RulesCompiler.Compile("""
        version: 1
        classes:
          name:    { sensitivity: medium }
          contact: { sensitivity: medium }
        entities:
          contact:
            routes: ["/api/contacts"]
            records: ["$.data[*]"]
            subject: "$.id"
            fields:
              "$.name":  name
              "$.email": contact
        roles:
          support-agent:
            name:    allow
            contact: { action: partial, keep_last: 4 }
        default: redact
        """, new byte[32]);

    [Fact]
    public void Add_CountsRequestsRecordsAndDistinctSubjects_AndSkipsDenials()
    {
        var record = new ProcessingRecord(Rules);

        foreach (var json in Events(
            AuditTestEvents.Request(masking: AuditTestEvents.KeyedSubjects(2)),
            AuditTestEvents.Request(masking: AuditTestEvents.KeyedSubjects(2)),
            AuditTestEvents.Request(masking: AuditTestEvents.KeyedSubjects(3)),
            AuditTestEvents.Request(status: 401, deniedBy: "identity")))
        {
            using var parsed = AuditRecord.TryParse("1-0", json, null)!;
            record.Add(parsed);
        }

        var row = Assert.Single(record.Rows());
        Assert.Equal(new ProcessingRow("support-agent", "crm-app", "", "contact", row.ClassesInClear, 3, 7, 3, false), row);
        Assert.Equal(["name"], row.ClassesInClear);
        Assert.Equal(4, record.Events);
        Assert.Equal(3, record.OtherRulesVersions);
    }

    [Fact]
    public void Add_RemembersAtMostTheBoundOfSubjectsPerRow_AndSaysSo()
    {
        var record = new ProcessingRecord(Rules, maxSubjectsPerRow: 2);

        foreach (var json in Events(AuditTestEvents.Request(masking: AuditTestEvents.KeyedSubjects(5))))
        {
            using var parsed = AuditRecord.TryParse("1-0", json, null)!;
            record.Add(parsed);
        }

        var row = Assert.Single(record.Rows());
        Assert.Equal(2, row.Subjects);
        Assert.True(row.SubjectsCapped);
    }

    [Fact]
    public void WriteCsv_WritesOneLinePerRowAfterTheHeader()
    {
        var csv = new StringWriter();

        ProcessingRecord.WriteCsv(csv, [new ProcessingRow("a+b", "app, \"x\"", "support", "contact", ["name", "contact"], 2, 3, 1, false)]);

        Assert.Equal("roles,client,purpose,entity,classes_in_clear,requests,records,subjects,subjects_capped\r\na+b,\"app, \"\"x\"\"\",support,contact,name contact,2,3,1,false\r\n", csv.ToString());
    }

    private static IEnumerable<byte[]> Events(params AuditEvent[] events) =>
        AuditTestEvents.Chain([.. events.Select((e, i) => (AuditEvent)AuditTestEvents.Numbered(e, i + 1))]).Select(line => line.Json);
}
