using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Masking.Rules;

namespace Gateway.Masking.Tests;

public sealed class RecordGateTests
{
    private const string Rules = """
        version: 1
        classes:
          contact:     { sensitivity: medium }
          national_id: { sensitivity: high }
        entities:
          contact:
            routes: ["/api/contacts", "/api/contacts/{id}"]
            records: ["$.data[*]", "$"]
            subject: "$.id"
            totals: ["$.paging.total"]
            fields:
              "$.email":   contact
              "$.ssn":     national_id
              "$.address": contact
            consent:
              "$.hs_email_optout":   { purposes: [marketing], means: opt_out }
              "$.marketingConsent":  { purposes: [marketing], means: opt_in }
              "$.doNotSell":         { purposes: [partner-sharing], means: opt_out }
        roles:
          support-agent:
            contact:      allow
            national_id:  redact
            unclassified: allow
          auditor:
            "*":          allow
        default: redact
        """;

    private static readonly CompiledRules Compiled = RulesCompiler.Compile(Rules, null);

    private static string Contact(int id, string extra = "") =>
        $$"""{"id":"c{{id}}","name":"Person {{id}}","email":"p{{id}}@example.com","ssn":"123-45-{{id:0000}}","address":{"city":"Town {{id}}"}{{extra}}}""";

    private static string List(int count, string extra = "") =>
        "{\"data\":[" + string.Join(",", Enumerable.Range(1, count).Select(i => Contact(i, extra))) + "],\"paging\":{\"page\":1,\"total\":" + (count + 100) + "}}";

    [Fact]
    public void Removed_records_leave_no_trace_and_the_list_stays_valid_with_its_total_lowered()
    {
        var gate = new DecidingGate(id => id is "c1" or "c3" or "c5" ? RecordVerdict.Remove : RecordVerdict.Keep);
        var output = Mask(List(5), gate);

        var body = JsonNode.Parse(output)!;
        Assert.Equal(["c2", "c4"], body["data"]!.AsArray().Select(r => (string)r!["id"]!));
        Assert.Equal(102, (int)body["paging"]!["total"]!);
        Assert.DoesNotContain("p1@example.com", output);
        Assert.DoesNotContain("Person 5", output);
    }

    [Theory]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 4 })]
    [InlineData(new[] { 1, 2 })]
    [InlineData(new[] { 1, 2, 3, 4 })]
    [InlineData(new[] { 2, 3 })]
    public void Any_choice_of_removed_records_gives_valid_json(int[] removed)
    {
        var gate = new DecidingGate(id => removed.Contains(int.Parse(id![1..])) ? RecordVerdict.Remove : RecordVerdict.Keep);
        var body = JsonNode.Parse(Mask(List(4), gate))!;

        Assert.Equal(Enumerable.Range(1, 4).Except(removed).Select(i => $"c{i}"), body["data"]!.AsArray().Select(r => (string)r!["id"]!));
        Assert.Equal(104 - removed.Length, (int)body["paging"]!["total"]!);
    }

    [Fact]
    public void A_masked_record_keeps_its_place_and_unclassified_fields_but_loses_every_classified_value()
    {
        var gate = new DecidingGate(id => id == "c2" ? RecordVerdict.Mask : RecordVerdict.Keep);
        var body = JsonNode.Parse(Mask(List(3), gate))!;

        var masked = body["data"]![1]!;
        Assert.Equal("c2", (string)masked["id"]!);
        Assert.Equal("Person 2", (string)masked["name"]!);
        Assert.Equal("[REDACTED]", (string)masked["email"]!);
        Assert.Equal("[REDACTED]", (string)masked["address"]!["city"]!);
        Assert.Equal("p1@example.com", (string)body["data"]![0]!["email"]!);
        Assert.Equal(103, (int)body["paging"]!["total"]!);
    }

    [Fact]
    public void A_single_record_without_basis_is_refused_or_masked_never_sent()
    {
        var remove = new DecidingGate(_ => RecordVerdict.Remove);
        Assert.Throws<RecordWithheldException>(() => Mask(Contact(7), remove, "/api/contacts/c7"));

        var mask = new DecidingGate(_ => RecordVerdict.Mask);
        var body = JsonNode.Parse(Mask(Contact(7), mask, "/api/contacts/c7"))!;
        Assert.Equal("[REDACTED]", (string)body["email"]!);
        Assert.Equal("c7", (string)body["id"]!);
    }

    [Fact]
    public void The_record_consent_fields_for_the_purpose_reach_the_gate_and_a_refusal_outweighs_an_agreement()
    {
        var gate = new DecidingGate(_ => RecordVerdict.Keep, purpose: "marketing");
        string[] records =
        [
            Contact(1, ",\"hs_email_optout\":true"),
            Contact(2, ",\"hs_email_optout\":\"false\""),
            Contact(3, ",\"marketingConsent\":true"),
            Contact(4, ",\"marketingConsent\":\"FALSE\""),
            Contact(5, ",\"marketingConsent\":true,\"hs_email_optout\":true"),
            Contact(6, ",\"doNotSell\":true"),
        ];
        var body = "{\"data\":[" + string.Join(",\n", records) + "]}";
        Mask(body, gate);

        Assert.Equal(
            [ConsentSignal.Withdrawn, ConsentSignal.None, ConsentSignal.Granted, ConsentSignal.Withdrawn, ConsentSignal.Withdrawn, ConsentSignal.None],
            gate.Seen.Select(f => f.Signal));
        Assert.All(gate.Seen, f => Assert.True(f.Classified));
        Assert.All(gate.Seen, f => Assert.False(f.Single));
    }

    [Fact]
    public void Records_are_decided_in_batches_of_whole_records_however_the_body_arrives()
    {
        var gate = new DecidingGate(id => int.Parse(id![1..]) % 3 == 0 ? RecordVerdict.Remove : RecordVerdict.Keep, batchBytes: 2048);
        var body = JsonNode.Parse(Mask(List(500), gate, chunk: 97))!;

        Assert.Equal(Enumerable.Range(1, 500).Where(i => i % 3 != 0).Select(i => $"c{i}"), body["data"]!.AsArray().Select(r => (string)r!["id"]!));
        Assert.True(gate.Batches > 10, $"{gate.Batches} batches");
        Assert.Equal(500, gate.Seen.Count);
        // The total follows the records: it is corrected by every removal, across all batches.
        Assert.Equal(600 - 166, (int)body["paging"]!["total"]!);
    }

    [Fact]
    public void A_batch_is_released_before_it_would_outgrow_its_size()
    {
        var gate = new DecidingGate(_ => RecordVerdict.Keep, batchBytes: 2048);
        using var output = new WriteSizeStream();
        MaskWithReport(List(200), gate, output: output);

        // Records are alike here, so none overruns: the held bytes always fit one buffer of BatchBytes.
        Assert.All(output.Writes, written => Assert.InRange(written, 1, 2048));
        Assert.Equal(200, gate.Seen.Count);
        Assert.Equal(output.Writes.Count, gate.Batches);
        Assert.True(output.Writes.Sum() > 10 * 2048, $"{output.Writes.Sum()} bytes");
    }

    [Fact]
    public void A_total_before_the_records_holds_the_body_until_it_can_be_corrected()
    {
        var gate = new DecidingGate(id => id == "c2" ? RecordVerdict.Remove : RecordVerdict.Keep, batchBytes: 64);
        var json = "{\"paging\":{\"total\":3},\"data\":[" + Contact(1) + "," + Contact(2) + "," + Contact(3) + "]}";
        var body = JsonNode.Parse(Mask(json, gate))!;

        Assert.Equal(2, (int)body["paging"]!["total"]!);
        Assert.Equal(1, gate.Batches);
    }

    [Fact]
    public void A_record_without_a_subject_reaches_the_gate_with_no_id()
    {
        var gate = new DecidingGate(id => id is null ? RecordVerdict.Remove : RecordVerdict.Keep);
        var body = JsonNode.Parse(Mask("""{"data":[{"email":"anon@example.com"},{"id":"c1","email":"x@example.com"},{"note":"no personal data"}]}""", gate))!;

        Assert.Equal(["c1"], body["data"]!.AsArray().Select(r => (string?)r!["id"]));
        Assert.Equal([true, true, false], gate.Seen.Select(f => f.Classified));
    }

    [Fact]
    public void Subject_ids_reach_the_gate_unescaped_and_a_number_as_its_text_across_batches()
    {
        var asked = new List<string?>();
        var gate = new DecidingGate(id => { asked.Add(id); return id is "cé-2" or "7" ? RecordVerdict.Remove : RecordVerdict.Keep; }, batchBytes: 1);
        using var body = System.Text.Json.JsonDocument.Parse(Mask("""{"data":[{"id":"c\u00e9-1","email":"a@example.com"},{"id":"c\u00e9-2","email":"b@example.com"},{"id":7,"email":"c@example.com"},{"id":"c-8","id":"c-9","email":"d@example.com"}]}""", gate));

        Assert.Equal(["cé-1", "cé-2", "7", "c-8"], asked);
        Assert.Equal(4, gate.Batches);
        Assert.Equal(["a@example.com", "d@example.com"], body.RootElement.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("email").GetString()));
    }

    [Fact]
    public void Ndjson_lines_of_removed_records_disappear_whole()
    {
        var gate = new DecidingGate(id => id is "c1" or "c3" ? RecordVerdict.Remove : RecordVerdict.Keep);
        var body = string.Join("\n", Enumerable.Range(1, 4).Select(i => Contact(i))) + "\n";
        var output = Mask(body, gate, "/api/contacts/x", lines: true);

        Assert.Equal(["c2", "c4"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => (string)JsonNode.Parse(line)!["id"]!));
        Assert.EndsWith("}\n", output);
    }

    [Fact]
    public void Random_verdicts_give_exactly_the_role_masked_body_minus_the_removed_records()
    {
        var random = new Random(5);
        for (var round = 0; round < 40; round++)
        {
            var count = random.Next(0, 40);
            var verdicts = Enumerable.Range(1, count).ToDictionary(i => $"c{i}", _ => (RecordVerdict)random.Next(0, 3));
            var gate = new DecidingGate(id => verdicts[id!], batchBytes: random.Next(1, 4096));
            var json = List(count);
            var expected = JsonNode.Parse(Mask(json, gate: null))!;
            var data = expected["data"]!.AsArray();
            foreach (var removed in data.Where(r => verdicts[(string)r!["id"]!] == RecordVerdict.Remove).ToList())
            {
                data.Remove(removed);
            }
            foreach (var masked in data.Where(r => verdicts[(string)r!["id"]!] == RecordVerdict.Mask))
            {
                masked!["email"] = "[REDACTED]";
                masked["ssn"] = "[REDACTED]";
                masked["address"]!["city"] = "[REDACTED]";
            }
            expected["paging"]!["total"] = count + 100 - verdicts.Count(v => v.Value == RecordVerdict.Remove);

            var actual = JsonNode.Parse(Mask(json, gate, chunk: random.Next(1, 300)))!;

            Assert.True(JsonNode.DeepEquals(expected, actual), $"round {round}: {actual.ToJsonString()}");
        }
    }

    [Fact]
    public void Each_subject_id_is_keyed_once_and_the_report_names_the_subjects_by_those_keys()
    {
        var gate = new DecidingGate(id => id == "c2" ? RecordVerdict.Remove : RecordVerdict.Keep);

        var report = MaskWithReport(List(3), gate).Report;

        Assert.Equal(["c1", "c2", "c3"], gate.Keyed);
        Assert.True(report.SubjectIds.Keyed);
        Assert.Equal(gate.Keyed.Select(id => DecidingGate.KeyOf(id).ToString()), report.SubjectIds);
        Assert.Equal(gate.Keyed.Select(id => (SubjectHash?)DecidingGate.KeyOf(id)), gate.Seen.Select(f => f.Subject));
    }

    [Fact]
    public void Without_a_gate_the_report_keeps_the_subject_ids()
    {
        var report = MaskWithReport(List(2), gate: null).Report;

        Assert.False(report.SubjectIds.Keyed);
        Assert.Equal(["c1", "c2"], report.SubjectIds);
    }

    [Fact]
    public void Clear_high_sensitivity_values_are_counted_per_record_for_the_gate_and_in_the_report()
    {
        var json = "{\"data\":[" + Contact(1) + ",{\"id\":\"c2\",\"email\":\"x@example.com\"}," + Contact(3) + "]}";

        var inClear = new DecidingGate(_ => RecordVerdict.Keep);
        var report = MaskWithReport(json, inClear, role: "auditor").Report;
        Assert.Equal([1, 0, 1], inClear.Seen.Select(r => r.ClearHighValues));
        Assert.Equal(2, report.ClearHighValues);

        var redacted = new DecidingGate(_ => RecordVerdict.Keep);
        report = MaskWithReport(json, redacted).Report;
        Assert.Equal([0, 0, 0], redacted.Seen.Select(r => r.ClearHighValues));
        Assert.Equal(0, report.ClearHighValues);
        Assert.Equal(2, MaskWithReport(json, gate: null, role: "auditor").Report.ClearHighValues);
    }

    private static string Mask(string json, IRecordGate? gate, string path = "/api/contacts", int chunk = 0, bool lines = false) =>
        MaskWithReport(json, gate, path, chunk, lines).Output;

    /// <param name="output">Where the masked body goes, for a test that looks at how it was written; a fresh stream if null.</param>
    private static (string Output, MaskingReport Report) MaskWithReport(string json, IRecordGate? gate, string path = "/api/contacts", int chunk = 0, bool lines = false, MemoryStream? output = null, string role = "support-agent")
    {
        var entity = Compiled.EntityFor(path)!;
        using var input = chunk > 0 ? new TricklingStream(Encoding.UTF8.GetBytes(json), chunk) : new MemoryStream(Encoding.UTF8.GetBytes(json));
        output ??= new MemoryStream();
        var report = new JsonMasker(new MaskingLimits())
            .MaskAsync(input, output, Compiled, entity, Compiled.ViewFor(new HashSet<string> { role }, false), CancellationToken.None, lines, gate)
            .GetAwaiter().GetResult();
        return (Encoding.UTF8.GetString(output.ToArray()), report);
    }

    /// <summary>Decides by subject id with a fixed table (keys are SHA-256 of the id); records what it keyed and was asked, batch by batch.</summary>
    private sealed class DecidingGate(Func<string?, RecordVerdict> decide, string purpose = "support", int batchBytes = 64 * 1024) : IRecordGate
    {
        public string Purpose => purpose;

        public int BatchBytes => batchBytes;

        public int BatchRecords => 1000;

        public List<RecordFacts> Seen { get; } = [];

        /// <summary>Every id it was asked to key, in order.</summary>
        public List<string> Keyed { get; } = [];

        public static SubjectHash KeyOf(string id) => SubjectHash.FromBytes(SHA256.HashData(Encoding.UTF8.GetBytes(id)));

        public SubjectHash Key(ReadOnlySpan<byte> subjectIdUtf8)
        {
            Keyed.Add(Encoding.UTF8.GetString(subjectIdUtf8));
            return KeyOf(Keyed[^1]);
        }

        public int Batches { get; private set; }

        public async ValueTask<RecordVerdict[]> DecideAsync(IReadOnlyList<RecordFacts> records, CancellationToken cancellationToken)
        {
            await Task.Yield();
            Batches++;
            Seen.AddRange(records);
            return [.. records.Select(r => decide(r.Subject is { } subject ? Keyed.First(id => KeyOf(id) == subject) : null))];
        }
    }

    private sealed class WriteSizeStream : MemoryStream
    {
        public List<int> Writes { get; } = [];

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add(buffer.Length);
            return base.WriteAsync(buffer, cancellationToken);
        }
    }
}
