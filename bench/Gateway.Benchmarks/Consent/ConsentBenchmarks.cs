using System.Text;
using BenchmarkDotNet.Attributes;
using Gateway.Audit;
using Gateway.Benchmarks.Audit;
using Gateway.Consent;
using Gateway.Masking;
using Gateway.Masking.Rules;
using Gateway.Purpose;
using Gateway.Redis;
using Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Benchmarks.Consent;

/// <summary>
/// What consent costs a response: the same list of contacts masked without a gate
/// (<see cref="MaskOnly"/>, the baseline) and with the consent gate against a local redis-server
/// (<see cref="MaskWithConsent"/>), cache off, so every response pays its lookups. Half the
/// subjects have consented; the rest are removed. The difference is the added latency per response.
/// </summary>
[MemoryDiagnoser]
public class ConsentBenchmarks
{
    private const string Rules = """
        version: 1
        classes:
          contact: { sensitivity: medium }
        entities:
          contact:
            routes: ["/api/contacts"]
            records: ["$.data[*]"]
            subject: "$.id"
            totals: ["$.paging.total"]
            fields:
              "$.email": contact
            consent:
              "$.hs_email_optout": { purposes: [marketing], means: opt_out }
        roles:
          support-agent:
            contact: { action: partial, keep_last: 4 }
            unclassified: allow
        default: redact
        """;

    private readonly CompiledRules _rules = RulesCompiler.Compile(Rules, null);
    private readonly JsonMasker _masker = new(new MaskingLimits());
    private readonly RequestPurpose _purpose = new("marketing", LegalBasis.Consent, MaskWithoutBasis: false, "claim");
    private LocalRedisServer _redis = null!;
    private RedisConnection _connection = null!;
    private ConsentGates _gates = null!;
    private ConsentSubjectKey _subjectKey = null!;
    private string _keyDirectory = string.Empty;
    private byte[] _body = [];

    /// <summary>Records in the response.</summary>
    [Params(1, 100, 1000)]
    public int Records { get; set; }

    [GlobalSetup]
    public void SetUp()
    {
        _body = Encoding.UTF8.GetBytes("{\"data\":[" + string.Join(",", Enumerable.Range(0, Records).Select(i =>
            $$"""{"id":"c-{{i:D5}}","name":"Person {{i}}","email":"person{{i}}@example.com","hs_email_optout":false,"city":"Town {{i % 50}}"}""")) + $"],\"paging\":{{\"total\":{Records}}}}}");
        _redis = new LocalRedisServer();
        _keyDirectory = Directory.CreateTempSubdirectory("consent-bench-").FullName;
        var keyFile = Path.Combine(_keyDirectory, "key");
        File.WriteAllText(keyFile, "benchmark-audit-key-0123456789abcdef-0123");
        var consent = Options.Create(new ConsentOptions { KeyPrefix = $"bench:{Guid.NewGuid():N}", CacheTtl = TimeSpan.Zero });
        var purposes = Options.Create(new PurposeOptions { Catalog = { ["marketing"] = new PurposeDefinition { Basis = "consent" } } });
        var metrics = new GatewayMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _connection = new RedisConnection(Options.Create(new RedisOptions { Configuration = _redis.Configuration }), NullLogger<RedisConnection>.Instance);
        var lookup = new ConsentLookup(_connection, new ConsentCache(consent, purposes, TimeProvider.System), consent, metrics, TimeProvider.System, NullLogger<ConsentLookup>.Instance);
        _subjectKey = new ConsentSubjectKey(Options.Create(new AuditOptions { KeyFile = keyFile }));
        _gates = new ConsentGates(lookup, _subjectKey, consent, metrics, TimeProvider.System);
        var store = lookup.StoreAsync().GetAwaiter().GetResult();
        var granted = Enumerable.Range(0, Records).Where(i => i % 2 == 0)
            .Select(i => (_subjectKey.Pseudonym($"c-{i:D5}"), "marketing", new ConsentRecord(ConsentRecord.Granted, DateTimeOffset.UtcNow, "bench"))).ToList();
        store.SetManyAsync(granted).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _subjectKey.Dispose();
        _redis.Dispose();
        Directory.Delete(_keyDirectory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public Task<MaskingReport> MaskOnly() => Mask(gate: null);

    [Benchmark]
    public Task<MaskingReport> MaskWithConsent() => Mask(_gates.For(_purpose, 10_000));

    private Task<MaskingReport> Mask(IRecordGate? gate) =>
        _masker.MaskAsync(new MemoryStream(_body, writable: false), Stream.Null, _rules, _rules.Entities[0],
            _rules.ViewFor(new HashSet<string> { "support-agent" }, false), CancellationToken.None, gate: gate);
}
