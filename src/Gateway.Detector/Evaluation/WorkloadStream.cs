using System.Buffers;
using System.Globalization;
using System.Text;
using Gateway.Audit;
using Gateway.Masking;
using Gateway.Masking.Rules;
using StackExchange.Redis;

namespace Gateway.Detector.Evaluation;

/// <summary>
/// Turns a workload's requests into real audit events, as a gateway would write them: each
/// response masked by the real masker with rules like the demo CRM's, each event chained by the
/// real <see cref="AuditChain"/> (instance <c>gateway-eval</c>), added to a stream. Used by the
/// evaluation, the throughput benchmark and the detector's tests.
/// </summary>
internal sealed class WorkloadStream(IConnectionMultiplexer redis, string stream, AuditKeys keys)
{
    private const string Rules = """
        version: 1
        classes:
          name:         { sensitivity: medium }
          contact:      { sensitivity: medium }
          national_id:  { sensitivity: high }
          birth_date:   { sensitivity: high }
        entities:
          contact-list:
            routes: ["/api/contacts"]
            records: ["$.data[*]"]
            subject: "$.id"
            fields: &fields
              "$.firstName": name
              "$.lastName":  name
              "$.email":     contact
              "$.ssn":       national_id
              "$.birthDate": birth_date
          contact:
            routes: ["/api/contacts/{id}"]
            records: ["$"]
            subject: "$.id"
            fields: *fields
        roles:
          support-agent:
            name: allow
            contact: { action: partial, keep_last: 4 }
            national_id: redact
            birth_date: { action: generalize, to: year }
            unclassified: allow
          marketing-analyst:
            contact: { action: hash }
            "*": remove
          compliance-officer:
            "*": { action: allow, require_mfa: true, otherwise: redact }
        default: redact
        """;

    private readonly CompiledRules _rules = RulesCompiler.Compile(Rules, System.Security.Cryptography.SHA256.HashData("evaluation-hash-key"u8));
    private readonly JsonMasker _masker = new(new MaskingLimits());
    private readonly AuditChain _chain = new(keys, "gateway-eval", ChainHead.Genesis);

    /// <summary>Events chained so far: the last one's sequence number.</summary>
    public long Sequence { get; private set; }

    /// <summary>Chains the requests' events, in order: each is the stream entry's <c>hash</c> and <c>event</c>.</summary>
    public async Task<List<(string Hash, byte[] Json)>> ChainAsync(Workload workload, IEnumerable<WorkloadRequest> requests)
    {
        var lines = new List<(string, byte[])>();
        foreach (var request in requests)
        {
            var auditEvent = await EventOf(workload, request);
            auditEvent.Sequence = ++Sequence;
            var line = new ArrayBufferWriter<byte>(4096);
            _chain.Append(auditEvent, line);
            auditEvent.ReleaseBuffers();
            lines.Add(Split(line.WrittenSpan));
        }
        return lines;
    }

    /// <summary>Adds chained events to the stream, pipelined, in order.</summary>
    public async Task AddAsync(IEnumerable<(string Hash, byte[] Json)> lines)
    {
        var database = redis.GetDatabase();
        await Task.WhenAll(lines.Select(line =>
            database.StreamAddAsync(stream, [new NameValueEntry(AuditRecord.EventField, line.Json), new NameValueEntry(AuditRecord.HashField, line.Hash)])));
    }

    private async Task<ApiActivityEvent> EventOf(Workload workload, WorkloadRequest request)
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(request.Time);
        var principal = request.Principal >= 0 ? workload.Principals[request.Principal] : null;
        var path = request.List ? "/api/contacts" : request.Contacts.Length == 1 ? $"/api/contacts/c-{request.Contacts[0]:00000}" : "/api/contacts";
        MaskingReport? report = null;
        if (principal is not null && request.Status == 200)
        {
            var entity = _rules.EntityFor(path)!;
            var view = _rules.ViewFor(new HashSet<string> { principal.Role }, principal.Mfa);
            using var input = new MemoryStream(Body(request));
            using var output = new MemoryStream();
            report = await _masker.MaskAsync(input, output, _rules, entity, view, CancellationToken.None);
        }
        return new ApiActivityEvent(time)
        {
            Method = "GET",
            Path = path,
            QueryKeys = request.List ? ["page", "pageSize"] : [],
            StatusCode = request.Status,
            ClientIp = request.Address,
            UserAgent = request.UserAgent,
            RouteId = "contacts",
            Actor = principal is null ? null : new AuditActor(Workload.Issuer, principal.Subject, "crm-console", request.TokenId, new HashSet<string> { principal.Role }, principal.Mfa),
            DeniedBy = request.Status switch { 401 => "identity", 403 => "masking", 451 => "consent", _ => null },
            DenialReason = request.Status switch { 401 => "token_invalid", 403 => "route_not_covered", 451 => "no_consent", _ => null },
            Masking = report,
            DurationMilliseconds = 3,
        };
    }

    private static byte[] Body(WorkloadRequest request)
    {
        var text = new StringBuilder();
        if (request.List)
        {
            text.Append("{\"data\":[");
        }
        for (var i = 0; i < request.Contacts.Length; i++)
        {
            var c = request.Contacts[i];
            text.Append(i > 0 ? "," : "").Append(CultureInfo.InvariantCulture,
                $"{{\"id\":\"c-{c:00000}\",\"firstName\":\"First{c}\",\"lastName\":\"Last{c}\",\"email\":\"person{c}@example.com\",\"ssn\":\"{100 + (c % 800):000}-{10 + (c % 89):00}-{1000 + c:0000}\",\"birthDate\":\"{1950 + (c % 50)}-0{1 + (c % 9)}-1{c % 10}\"}}");
        }
        if (request.List)
        {
            text.Append(CultureInfo.InvariantCulture, $"],\"paging\":{{\"total\":{request.Contacts.Length}}}}}");
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static (string Hash, byte[] Json) Split(ReadOnlySpan<byte> line)
    {
        var first = line.IndexOf((byte)' ');
        var second = first + 1 + line[(first + 1)..].IndexOf((byte)' ');
        return (Encoding.ASCII.GetString(line[..first]), line[(second + 1)..^1].ToArray());
    }
}
