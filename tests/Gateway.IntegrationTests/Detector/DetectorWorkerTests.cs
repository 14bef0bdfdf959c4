using System.CommandLine;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Cli.Commands;
using Gateway.ControlPlane;
using Gateway.Detector;
using Gateway.Detector.Evaluation;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Detector;

/// <summary>
/// The detector against a real redis-server: real audit events (real masker, real chain) in, a
/// consumer group read and acknowledged, alerts on the alerts stream, containment through the
/// control plane, and gatewayctl's alerts and contain commands on what it left.
/// </summary>
public sealed class DetectorWorkerTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const string Crawler = "agent-crawler";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _prefix = $"det:{Guid.NewGuid():N}";
    private ConnectionMultiplexer _connection = null!;
    private AuditKeys _keys = null!;

    public async Task InitializeAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        _keys = TestAudit.Keys;
    }

    public async Task DisposeAsync()
    {
        _keys.Dispose();
        await _connection.DisposeAsync();
    }

    private string AuditStream => $"{_prefix}:audit";

    private string AlertsStream => $"{_prefix}:alerts";

    [Fact]
    public async Task Crawl_RaisesOneDetectionFinding_ThatExplainsItself_AndEveryEntryIsAcknowledged()
    {
        var ids = await AddCrawlAsync(pages: 30);

        await using (var worker = await RunUntilAsync(Options(), w => w.Processed >= 30))
        {
        }

        var alerts = await _connection.GetDatabase().StreamRangeAsync(AlertsStream);
        var alert = Assert.Single(alerts);
        using var finding = JsonDocument.Parse((string)alert[AlertStore.AlertField]!);
        var root = finding.RootElement;
        Assert.Equal(2004, root.GetProperty("class_uid").GetInt32());
        Assert.Equal(200401, root.GetProperty("type_uid").GetInt32());
        Assert.InRange(root.GetProperty("risk_score").GetInt32(), 50, 100);
        var info = root.GetProperty("finding_info");
        Assert.Contains("records in 10 min", info.GetProperty("desc").GetString());
        Assert.Contains("distinct data subjects in 1 h", info.GetProperty("desc").GetString());
        Assert.Equal(Crawler, root.GetProperty("actor").GetProperty("user").GetProperty("uid").GetString());
        var evidence = info.GetProperty("related_events").EnumerateArray().Select(e => e.GetProperty("uid").GetString()!).ToList();
        Assert.NotEmpty(evidence);
        Assert.Subset(ids.ToHashSet(), evidence.ToHashSet());
        Assert.Equal((string)alert[AlertStore.IdField]!, info.GetProperty("uid").GetString());
        Assert.Empty(AlertSchema.Problems((string)alert[AlertStore.AlertField]!));
        var pending = await _connection.GetDatabase().StreamPendingAsync(AuditStream, "detector");
        Assert.Equal(0, pending.PendingMessageCount);
    }

    [Fact]
    public async Task Replay_OfTheSameEvents_DoesNotAddTheAlertAgain()
    {
        await AddCrawlAsync(pages: 30);
        await using (await RunUntilAsync(Options(), w => w.Processed >= 30))
        {
        }
        Assert.Equal(1, await _connection.GetDatabase().StreamLengthAsync(AlertsStream));

        // Everything read again, by a new worker that knows only what is in Redis.
        await _connection.GetDatabase().ExecuteAsync("XGROUP", "SETID", AuditStream, "detector", "0");
        await using (await RunUntilAsync(Options(), w => w.Processed >= 30))
        {
        }

        Assert.Equal(1, await _connection.GetDatabase().StreamLengthAsync(AlertsStream));
    }

    [Fact]
    public async Task EntriesACrashedConsumerLeftPending_AreClaimedAndHandled()
    {
        await AddCrawlAsync(pages: 30);
        var database = _connection.GetDatabase();
        await database.StreamCreateConsumerGroupAsync(AuditStream, "detector", "0-0");
        var taken = await database.StreamReadGroupAsync(AuditStream, "detector", "crashed", ">", 100);
        Assert.Equal(30, taken.Length);

        var options = Options();
        options.ClaimIdle = TimeSpan.FromSeconds(1);
        await using (await RunUntilAsync(options, w => w.Processed >= 30))
        {
        }

        Assert.Equal(0, (await database.StreamPendingAsync(AuditStream, "detector")).PendingMessageCount);
        Assert.Equal(1, await database.StreamLengthAsync(AlertsStream));
    }

    [Fact]
    public async Task Suspend_RevokesTheSubject_ConfirmedByEveryInstance_AuditedOnTheChain_ThenGatewayctlShowsAcksAndReleases()
    {
        await AddCrawlAsync(pages: 30);
        var options = Options();
        options.Containment.Rules = [new ContainmentRule { MinScore = 50, Action = "suspend", Duration = TimeSpan.FromMinutes(10) }];
        await using var instance = await StandInGateway.StartAsync(_connection, options.Containment.RevocationKeyPrefix!, TimeProvider.System);
        var store = new AlertStore(_connection, AlertsStream, options.KeyPrefix);
        string alertId;
        await using (await RunUntilAsync(options, w => w.Processed >= 30))
        {
            alertId = await WaitForAlertIdAsync();
            await PollAsync(async () => (await store.GetStateAsync(alertId))?.GetValueOrDefault("containment_status") is "confirmed");
        }

        var revocations = new RevocationStore(_connection, options.Containment.RevocationKeyPrefix!);
        var (_, entries) = await revocations.LoadAsync(DateTimeOffset.UtcNow);
        Assert.Contains($"sub:{Crawler}", entries.Keys);
        var records = await TestAudit.ReadAsync(redis.Configuration, AuditStream);
        var contained = Assert.Single(records, r => r.Instance == "detector/w1");
        Assert.Contains($"{Crawler} suspended until", contained.JsonText);
        var verifier = new AuditChainVerifier(_keys);
        foreach (var record in records)
        {
            verifier.Check(record.EntryId, record);
        }
        Assert.Empty(verifier.Breaks);
        records.ForEach(r => r.Dispose());

        var (tail, tailOut, _) = await CtlAsync("alerts", "tail", "--from", "0", "--max-count", "1", "--alerts-stream", AlertsStream, "--prefix", options.KeyPrefix, "--redis", redis.Configuration);
        Assert.Equal(0, tail);
        Assert.Contains($"{alertId}", tailOut);
        Assert.Contains($"{Crawler}  suspend (confirmed)", tailOut);
        Assert.Equal(0, (await CtlAsync("alerts", "ack", alertId, "--by", "soc-analyst", "--note", "bulk export confirmed", "--alerts-stream", AlertsStream, "--prefix", options.KeyPrefix, "--redis", redis.Configuration)).Exit);
        var (show, shown, _) = await CtlAsync("alerts", "show", alertId, "--alerts-stream", AlertsStream, "--prefix", options.KeyPrefix, "--redis", redis.Configuration);
        Assert.Equal(0, show);
        Assert.Contains("records_rate: read", shown);
        Assert.Contains("contained  suspend: confirmed", shown);
        Assert.Contains("acked      by soc-analyst", shown);
        Assert.Equal(1, (await CtlAsync("alerts", "show", "no-such-alert", "--alerts-stream", AlertsStream, "--prefix", options.KeyPrefix, "--redis", redis.Configuration)).Exit);

        var (list, listed, _) = await CtlAsync("contain", "list", "--revocation-prefix", options.Containment.RevocationKeyPrefix!, "--quota-prefix", options.Containment.QuotaKeyPrefix!, "--redis", redis.Configuration);
        Assert.Equal(0, list);
        Assert.Contains($"suspended  {Crawler}  until", listed);

        var (release, released, releaseErrors) = await CtlAsync("contain", "release", "--sub", Crawler, "--reason", "false positive",
            "--revocation-prefix", options.Containment.RevocationKeyPrefix!, "--quota-prefix", options.Containment.QuotaKeyPrefix!,
            "--redis", redis.Configuration, "--stream", AuditStream, "--key-file", TestAudit.KeyFile, "--wait", "5s");
        Assert.True(release == 0, releaseErrors);
        Assert.Contains("suspension lifted", released);
        Assert.DoesNotContain($"sub:{Crawler}", (await revocations.LoadAsync(DateTimeOffset.UtcNow)).Entries.Keys);
        var after = await TestAudit.ReadAsync(redis.Configuration, AuditStream);
        Assert.Single(after, r => r.Instance!.StartsWith("gatewayctl/", StringComparison.Ordinal));
        after.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Tighten_WritesTheQuotaOverride_EveryInstanceReads()
    {
        await AddCrawlAsync(pages: 30);
        var options = Options();
        options.Containment.Rules = [new ContainmentRule { MinScore = 50, Action = "tighten", Factor = 0.1, Duration = TimeSpan.FromMinutes(30) }];
        var store = new AlertStore(_connection, AlertsStream, options.KeyPrefix);
        string id;
        await using (await RunUntilAsync(options, w => w.Processed >= 30))
        {
            id = await WaitForAlertIdAsync();
            await PollAsync(async () => (await store.GetStateAsync(id))?.GetValueOrDefault("containment_status") == "applied");
        }

        var tightened = await new QuotaOverrideStore(_connection, options.Containment.QuotaKeyPrefix!).GetAsync(Crawler, DateTimeOffset.UtcNow);
        Assert.NotNull(tightened);
        Assert.Equal(0.1, tightened.Factor);
        Assert.Contains(id, tightened.Reason);
        Assert.Equal("detector/w1", tightened.Actor);
        var (_, entries) = await new RevocationStore(_connection, options.Containment.RevocationKeyPrefix!).LoadAsync(DateTimeOffset.UtcNow);
        Assert.Empty(entries);
    }

    [Theory]
    [InlineData(true, false, "dry_run")]
    [InlineData(false, true, "allowlisted")]
    public async Task DryRunOrAllowlist_ContainNothing_AndSaySoOnTheAlert(bool dryRun, bool allowlisted, string skipped)
    {
        await AddCrawlAsync(pages: 30);
        var options = Options();
        options.Containment.DryRun = dryRun;
        options.Containment.Allowlist = allowlisted ? [Crawler] : [];
        options.Containment.Rules = [new ContainmentRule { MinScore = 50, Action = "suspend", Duration = TimeSpan.FromMinutes(10) }];
        var store = new AlertStore(_connection, AlertsStream, options.KeyPrefix);
        await using (await RunUntilAsync(options, w => w.Processed >= 30))
        {
            var id = await WaitForAlertIdAsync();
            await PollAsync(async () => (await store.GetStateAsync(id))?.GetValueOrDefault("containment_status") == skipped);
        }

        var (_, entries) = await new RevocationStore(_connection, options.Containment.RevocationKeyPrefix!).LoadAsync(DateTimeOffset.UtcNow);
        Assert.Empty(entries);
        var alert = (await _connection.GetDatabase().StreamRangeAsync(AlertsStream))[0];
        using var finding = JsonDocument.Parse((string)alert[AlertStore.AlertField]!);
        Assert.Equal(skipped, finding.RootElement.GetProperty("unmapped").GetProperty("containment").GetProperty("skipped").GetString());
        Assert.Empty(AlertSchema.Problems((string)alert[AlertStore.AlertField]!));
        var records = await TestAudit.ReadAsync(redis.Configuration, AuditStream);
        Assert.Single(records, r => r.Instance == "detector/w1");
        records.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task OrdinaryReading_RaisesNothing()
    {
        await AddCrawlAsync(pages: 1);

        await using (await RunUntilAsync(Options(), w => w.Processed >= 1))
        {
        }

        Assert.Equal(0, await _connection.GetDatabase().StreamLengthAsync(AlertsStream));
    }

    [Fact]
    public void OptionsCheck_ReportsEveryProblemAtOnce()
    {
        var options = new DetectorOptions
        {
            BatchSize = 0,
            StartFrom = "yesterday",
            TimeZone = "Mars/Olympus_Mons",
            AlertsStream = "gateway:audit",
            Containment = new ContainmentOptions { Rules = [new ContainmentRule { MinScore = 20, Action = "ban" }], Allowlist = [" "] },
        };
        options.FillFrom(_ => null);

        var errors = DetectorOptionsCheck.Errors(options);

        Assert.Contains(errors, e => e.StartsWith("Gateway:Detector:BatchSize:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gateway:Detector:StartFrom:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gateway:Detector:TimeZone:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gateway:Detector:AlertsStream:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gateway:Detector:Containment:Rules:0:MinScore:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gateway:Detector:Containment:Rules:0:Action:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gateway:Detector:Containment:Allowlist:", StringComparison.Ordinal));
        Assert.Empty(DetectorOptionsCheck.Errors(new DetectorOptions()));
    }

    private DetectorOptions Options() => new()
    {
        AuditStream = AuditStream,
        AlertsStream = AlertsStream,
        KeyPrefix = $"{_prefix}:detector",
        StartFrom = "oldest",
        Consumer = "w1",
        MinPollInterval = TimeSpan.FromMilliseconds(1),
        MaxPollInterval = TimeSpan.FromMilliseconds(20),
        Containment = new ContainmentOptions
        {
            RevocationKeyPrefix = $"{_prefix}:revocations",
            QuotaKeyPrefix = $"{_prefix}:quota",
            MaxEventAge = TimeSpan.FromHours(1),
        },
    };

    /// <summary>
    /// A support agent pages through the contacts, a page of 50 a second, from the start of a
    /// 10-minute window 20 to 30 minutes ago (so the whole crawl falls in one window); returns the
    /// events' ids.
    /// </summary>
    private async Task<List<string>> AddCrawlAsync(int pages)
    {
        var start = ((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 600_000) - 2) * 600_000;
        var principal = new WorkloadPrincipal(Crawler, "support-agent", false, "10.0.0.7", "crm-console/4.2", 8, 17, 100, 50, [1]);
        var workload = new Workload
        {
            Principals = [principal],
            Requests = [.. Enumerable.Range(0, pages).Select(p =>
                new WorkloadRequest(start + (p * 1000L), 0, principal.Address, principal.UserAgent, "jti-crawl", 200, true, [.. Enumerable.Range(p * 50, 50)], "bulk_crawl"))],
            Incidents = [],
            EvaluatedFrom = start,
            End = start + (pages * 1000L),
        };
        var events = new WorkloadStream(_connection, AuditStream, _keys);
        await events.AddAsync(await events.ChainAsync(workload, workload.Requests));
        var records = await TestAudit.ReadAsync(redis.Configuration, AuditStream);
        var ids = records.Select(r => r.EventId!).ToList();
        records.ForEach(r => r.Dispose());
        return ids;
    }

    /// <summary>Starts a worker and returns it once <paramref name="done"/> holds; disposing it stops it.</summary>
    private async Task<RunningWorker> RunUntilAsync(DetectorOptions options, Func<DetectorWorker, bool> done)
    {
        var keys = TestAudit.Keys;
        var worker = new DetectorWorker(_connection, options, keys, TimeProvider.System, NullLogger.Instance);
        var running = new RunningWorker(worker, keys);
        await PollAsync(() => Task.FromResult(done(worker) || running.Task.IsCompleted));
        Assert.False(running.Task.IsCompleted, "the worker stopped");
        return running;
    }

    private async Task<string> WaitForAlertIdAsync()
    {
        StreamEntry[] entries = [];
        await PollAsync(async () => (entries = await _connection.GetDatabase().StreamRangeAsync(AlertsStream)).Length > 0);
        return (string)entries[0][AlertStore.IdField]!;
    }

    private static Task PollAsync(Func<Task<bool>> condition) => Eventually.UntilAsync(condition, "condition not met before the deadline", Deadline);

    private static async Task<(int Exit, string Output, string Error)> CtlAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await GatewayCtl.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private sealed class RunningWorker : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly AuditKeys _keys;

        public RunningWorker(DetectorWorker worker, AuditKeys keys)
        {
            Worker = worker;
            _keys = keys;
            Task = System.Threading.Tasks.Task.Run(() => worker.RunAsync(_stop.Token));
        }

        public DetectorWorker Worker { get; }

        public Task Task { get; }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task;
            await Worker.DisposeAsync();
            _keys.Dispose();
            _stop.Dispose();
        }
    }
}
