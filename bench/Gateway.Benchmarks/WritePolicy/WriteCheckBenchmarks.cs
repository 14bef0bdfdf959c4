using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Gateway.Masking.Rules;
using Gateway.Masking.Writes;

namespace Gateway.Benchmarks.WritePolicy;

/// <summary>
/// The write check (every field of a create body classified and judged, its report made) against
/// a plain <see cref="Utf8JsonReader"/> pass over the same bytes, the floor of any check that reads
/// them. Target: at least 85% of the plain pass's throughput. 1 KB is one contact (POST of one
/// record); 100 KB a list of them (a bulk create); the role may write every class, so the whole
/// body is judged.
/// </summary>
[MemoryDiagnoser]
public class WriteCheckBenchmarks
{
    private const string Rules = """
        version: 1
        classes:
          name:        { sensitivity: medium }
          contact:     { sensitivity: medium }
          address:     { sensitivity: medium }
          national_id: { sensitivity: high }
          birth_date:  { sensitivity: high }
        entities:
          contact:
            routes: ["/api/contacts"]
            records: ["$.data[*]"]
            subject: "$.id"
            fields:
              "$.firstName":        name
              "$.lastName":         name
              "$.email":            contact
              "$.phones[*].number": contact
              "$.ssn":              national_id
              "$.birthDate":        birth_date
              "$.address.**":       address
        roles:
          compliance-officer:
            "*": allow
        permissions:
          compliance-officer:
            "*": { operations: [read, create, update, delete], classes: ["*"], require_mfa: [national_id, birth_date] }
        default: redact
        """;

    private byte[] _body = [];
    private CompiledRules _rules = null!;
    private CompiledEntity _entity = null!;
    private RolePermissions _permissions = null!;
    private WriteJudge _judge = null!;

    [Params(1_000, 100_000)]
    public int Bytes { get; set; }

    [GlobalSetup]
    public void SetUp()
    {
        _rules = RulesCompiler.Compile(Rules, hashKey: null);
        _entity = _rules.EntityFor("/api/contacts")!;
        _permissions = _rules.PermissionsFor(new HashSet<string> { "compliance-officer" });
        _judge = new WriteJudge(new WriteLimits());
        _body = Body(Bytes);
        if (Check() is { } refusal)
        {
            throw new InvalidOperationException($"The benchmark's body is refused: {refusal}");
        }
    }

    /// <summary>Reading every token and nothing else.</summary>
    [Benchmark(Baseline = true)]
    public int PlainReader()
    {
        var reader = new Utf8JsonReader(_body);
        var tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }
        return tokens;
    }

    [Benchmark]
    public string? WriteCheck() => Check();

    private string? Check() =>
        _judge.Judge(_rules, _entity, _permissions, mfaUsed: true, RecordOperation.Create, replacesRecords: false, WriteBodyKind.Json, _body, pathSubject: null).Refusal?.Detail;

    /// <summary>One contact as the demo CRM takes it (about 1 KB), or a list of them of about <paramref name="size"/> bytes.</summary>
    private static byte[] Body(int size)
    {
        var records = new List<string>();
        var length = 0;
        for (var i = 0; length < size - 600; i++)
        {
            var record = $$"""{"id":"c-{{i:00000}}","firstName":"Ada","lastName":"Lovelace","email":"ada.lovelace{{i}}@example.com","phones":[{"type":"mobile","number":"+1-555-212-{{i % 10000:0000}}"},{"type":"work","number":"+1-555-331-5549"}],"birthDate":"1960-05-08","address":{"street":"155 Analytical Way","city":"Lakeside","postcode":"83271","country":"GB"},"ssn":"195-33-7518","notes":"Met at the trade fair, interested in the premium plan and the analytics add-on; call back next quarter.","hs_email_optout":false,"doNotSell":true,"score":{{i % 100}},"createdAt":"2024-03-26T14:00:00+00:00","updatedAt":"2024-04-08T14:00:00+00:00","tags":["vip","newsletter"]}""";
            records.Add(record);
            length += record.Length + 1;
        }
        return Encoding.UTF8.GetBytes(records.Count == 1 ? records[0] : "[" + string.Join(',', records) + "]");
    }
}
