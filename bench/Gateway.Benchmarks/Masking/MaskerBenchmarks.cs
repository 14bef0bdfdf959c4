using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Gateway.Masking;
using Gateway.Masking.Rules;

namespace Gateway.Benchmarks.Masking;

/// <summary>
/// The masker against the two alternatives: a raw reader-to-writer copy (the floor: what any
/// streaming rewrite costs) and a DOM approach (parse, mask, serialize); and reading alone, the
/// floor under both the masker and the copy. Targets: at least 85%
/// of the raw copy's throughput, at least 10x the DOM's, and a 10 MB body masked with under
/// 256 KB allocated and nothing on the large-object heap.
/// </summary>
[MemoryDiagnoser]
public class MaskerBenchmarks
{
    private const string Rules = """
        version: 1
        classes:
          contact:     { sensitivity: medium }
          national_id: { sensitivity: high }
          birth_date:  { sensitivity: high }
        entities:
          contact:
            routes: ["/api/contacts"]
            records: ["$.data[*]"]
            subject: "$.id"
            fields:
              "$.email":            contact
              "$.phones[*].number": contact
              "$.ssn":              national_id
              "$.birthDate":        birth_date
              "$.address.**":       contact
        roles:
          support-agent:
            contact:      { action: partial, keep_last: 4 }
            national_id:  redact
            birth_date:   { action: generalize, to: year }
            unclassified: allow
        default: redact
        """;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly HashSet<string> Sensitive = ["email", "number", "ssn", "birthDate", "street", "city", "postcode"];

    private byte[] _body = [];
    private CompiledRules _rules = null!;
    private CompiledEntity _entity = null!;
    private MaskingView _view = null!;
    private JsonMasker _masker = null!;

    [Params(1_000, 100_000, 10_000_000)]
    public int Bytes { get; set; }

    [GlobalSetup]
    public void SetUp()
    {
        _rules = RulesCompiler.Compile(Rules, hashKey: null);
        _entity = _rules.EntityFor("/api/contacts")!;
        _view = _rules.ViewFor(new HashSet<string> { "support-agent" }, mfaUsed: false);
        _masker = new JsonMasker(new MaskingLimits { MaxBodyBytes = 64L * 1024 * 1024 });
        _body = Body(Bytes);
    }

    [Benchmark(Baseline = true)]
    public long RawCopy()
    {
        var output = Stream.Null;
        var reader = new Utf8JsonReader(_body);
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject: writer.WriteStartObject(); break;
                case JsonTokenType.EndObject: writer.WriteEndObject(); break;
                case JsonTokenType.StartArray: writer.WriteStartArray(); break;
                case JsonTokenType.EndArray: writer.WriteEndArray(); break;
                case JsonTokenType.PropertyName: writer.WritePropertyName(reader.ValueSpan); break;
                case JsonTokenType.String: writer.WriteStringValue(reader.ValueSpan); break;
                case JsonTokenType.Number: writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); break;
                case JsonTokenType.True: writer.WriteBooleanValue(true); break;
                case JsonTokenType.False: writer.WriteBooleanValue(false); break;
                default: writer.WriteNullValue(); break;
            }
            if (writer.BytesPending > 16 * 1024)
            {
                writer.Flush();
            }
        }
        writer.Flush();
        return writer.BytesCommitted;
    }

    /// <summary>Only reading every token: the floor of any design built on <see cref="Utf8JsonReader"/>, before deciding or writing anything.</summary>
    [Benchmark]
    public int ReadTokensOnly()
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
    public async Task<int> Masker()
    {
        using var input = new MemoryStream(_body, writable: false);
        var report = await _masker.MaskAsync(input, Stream.Null, _rules, _entity, _view, CancellationToken.None);
        return report.Records;
    }

    [Benchmark]
    public long JsonNodeDom()
    {
        var root = JsonNode.Parse(_body)!;
        foreach (var record in root["data"]!.AsArray())
        {
            MaskNode(record!);
        }
        using var writer = new Utf8JsonWriter(Stream.Null, WriterOptions);
        root.WriteTo(writer);
        writer.Flush();
        return writer.BytesCommitted;
    }

    private static void MaskNode(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (Sensitive.Contains(key) && value is JsonValue)
                    {
                        obj[key] = "[REDACTED]";
                    }
                    else if (value is not null)
                    {
                        MaskNode(value);
                    }
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is not null)
                    {
                        MaskNode(item);
                    }
                }
                break;
        }
    }

    /// <summary>A CRM-like list of about <paramref name="size"/> bytes (1 KB is one record).</summary>
    private static byte[] Body(int size)
    {
        var records = new List<string>();
        var length = 0;
        for (var i = 0; length < size; i++)
        {
            var record = $$"""{"id":"c-{{i:00000}}","firstName":"Ada","lastName":"Lovelace","email":"ada.lovelace{{i}}@example.com","phones":[{"type":"mobile","number":"+1-555-212-{{i % 10000:0000}}"},{"type":"work","number":"+1-555-331-5549"}],"birthDate":"1960-05-08","address":{"street":"155 Analytical Way","city":"Lakeside","postcode":"83271","country":"GB"},"ssn":"195-33-7518","notes":"Met at the trade fair, interested in the premium plan and the analytics add-on; call back next quarter.","hs_email_optout":false,"doNotSell":true,"score":{{i % 100}},"createdAt":"2024-03-26T14:00:00+00:00","updatedAt":"2024-04-08T14:00:00+00:00","tags":["vip","newsletter"]}""";
            records.Add(record);
            length += record.Length + 1;
        }
        return Encoding.UTF8.GetBytes("{\"data\":[" + string.Join(',', records) + "],\"paging\":{\"page\":1,\"total\":" + records.Count + "}}");
    }
}
