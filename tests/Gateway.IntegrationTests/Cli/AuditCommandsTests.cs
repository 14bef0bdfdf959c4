using System.CommandLine;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Cli.Commands;
using Gateway.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Cli;

/// <summary>
/// The SOC's tools against a stream a real gateway wrote: verify, tail through a consumer group,
/// subject, report. Revocation is off so that its first load cannot turn the first request into a 503.
/// </summary>
public sealed class AuditCommandsTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const int Events = 10;
    private string _stream = null!;

    public async Task InitializeAsync()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).WithAudit(redis.Configuration).With("Gateway:Identity:Revocation:Enabled", "false").StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        for (var i = 0; i < Events - 1; i++)
        {
            await client.GetAsync(gateway.Url("/api/contacts"));
        }
        using var noToken = new HttpRequestMessage(HttpMethod.Get, gateway.Url("/api/contacts"));
        noToken.Headers.Add("X-No-Token", "1");
        await client.SendAsync(noToken);
        _stream = gateway.AuditStream!;
        await TestAudit.WaitForAsync(redis.Configuration, _stream, Events);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Verify_UntouchedStream_PassesWithExitZero()
    {
        var (exitCode, output, _) = await RunAsync("audit", "verify", "--stream", _stream);

        Assert.Equal(0, exitCode);
        Assert.Contains($"{Events} events from 1 instance(s) checked; 0 replayed duplicate(s); 0 break(s).", output);
    }

    [Theory]
    [InlineData("edited", "modified")]
    [InlineData("deleted", "gap")]
    [InlineData("swapped", "out of order")]
    public async Task Verify_TamperedStream_ReportsTheBreakAndExitsOne(string tampering, string problem)
    {
        var copy = await CopyWithAsync(tampering);

        var (exitCode, output, _) = await RunAsync("audit", "verify", "--stream", copy);

        Assert.Equal(1, exitCode);
        Assert.Contains(problem, output);
        Assert.Contains("BREAK", output);
    }

    [Theory]
    [InlineData("spooled", 0, "GAP    ")]
    [InlineData("queued", 1, "BREAK  ")]
    public async Task Verify_GapACrashLeft_IsReportedWithItsRange_AndFailsOnlyIfAnsweredRequestsCanBeMissing(string durability, int expectedExit, string line)
    {
        var stream = await WriteAsync([Request(1), Request(2), Restart(10_001, 3, 10_000, durability), Request(10_002)]);

        var (exitCode, output, _) = await RunAsync("audit", "verify", "--stream", stream);
        var (_, json, _) = await RunAsync("audit", "verify", "--stream", stream, "--json");

        Assert.Equal(expectedExit, exitCode);
        Assert.Contains($"{line}entry ", output);
        Assert.Contains("9998 sequence number(s) 3..10000", output);
        Assert.Contains("1 gap(s) in sequence numbers", output);
        using var report = JsonDocument.Parse(json);
        var gap = Assert.Single(report.RootElement.GetProperty("gaps").EnumerateArray());
        Assert.Equal(("gw-cli", 3, 10_000, "unwritten_at_crash", durability), (gap.GetProperty("instance").GetString(), gap.GetProperty("first").GetInt64(), gap.GetProperty("last").GetInt64(), gap.GetProperty("kind").GetString(), gap.GetProperty("previous_durability").GetString()));
        Assert.Equal(1, report.RootElement.GetProperty("restarts").GetInt64());
    }

    [Fact]
    public async Task Verify_WithoutTheKey_IsAUsageError()
    {
        var (exitCode, _, error) = await RunAsync("audit", "verify", "--stream", _stream, "--key-file", "");

        Assert.Equal(2, exitCode);
        Assert.Contains("--key-file", error);
    }

    [Fact]
    public async Task Tail_WithAConsumerGroup_ResumesWhereItLeftOff()
    {
        var (_, first, _) = await RunAsync("audit", "tail", "--stream", _stream, "--group", "soc", "--consumer", "siem-1", "--max-count", "4", "--json");
        var (_, second, _) = await RunAsync("audit", "tail", "--stream", _stream, "--group", "soc", "--consumer", "siem-1", "--max-count", "6", "--json");

        Assert.Equal([1L, 2L, 3L, 4L], Sequences(first));
        Assert.Equal([5L, 6L, 7L, 8L, 9L, 10L], Sequences(second));
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        Assert.Equal(0, (await connection.GetDatabase().StreamPendingAsync(_stream, "soc")).PendingMessageCount);
    }

    [Fact]
    public async Task Tail_ClaimsWhatADeadConsumerLeftUnacknowledged()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var database = connection.GetDatabase();
        await database.StreamCreateConsumerGroupAsync(_stream, "claims", "0");
        await database.StreamReadGroupAsync(_stream, "claims", "crashed", ">", 3);

        var (_, output, _) = await RunAsync("audit", "tail", "--stream", _stream, "--group", "claims", "--consumer", "live", "--claim-idle", "0.001s", "--max-count", "3", "--json");

        Assert.Equal([1L, 2L, 3L], Sequences(output));
    }

    [Fact]
    public async Task Tail_AReplayedDuplicate_IsPrintedOnce()
    {
        var copy = await CopyWithAsync("duplicated");

        var (_, output, _) = await RunAsync("audit", "tail", "--stream", copy, "--from", "0", "--max-count", $"{Events}", "--json");

        Assert.Equal(Enumerable.Range(1, Events).Select(n => (long)n), Sequences(output));
    }

    [Fact]
    public async Task ReportAndSubject_CountAReplayedDuplicateOnce()
    {
        var copy = await CopyWithAsync("duplicated");

        var (_, report, _) = await RunAsync("audit", "report", "--stream", copy, "--since", "1h", "--json");
        var (_, subject, _) = await RunAsync("audit", "subject", "c-1", "--stream", copy, "--json");

        using var counts = JsonDocument.Parse(report);
        Assert.Equal(Events, counts.RootElement.GetProperty("events").GetInt64());
        using var accesses = JsonDocument.Parse(subject);
        Assert.Equal(Events - 1, accesses.RootElement.GetProperty("accesses").GetArrayLength());
    }

    [Fact]
    public async Task Processing_CountsRequestsRecordsAndDistinctSubjectsPerRolesAndClient()
    {
        var from = DateTimeOffset.UtcNow.AddHours(-1).ToString("O");
        var to = DateTimeOffset.UtcNow.AddHours(1).ToString("O");

        var (exitCode, json, error) = await RunAsync("audit", "processing", "--stream", _stream, "--rules", TestRules.Path, "--from", from, "--to", to, "--json");
        var (_, csv, _) = await RunAsync("audit", "processing", "--stream", _stream, "--rules", TestRules.Path, "--from", from, "--to", to, "--csv");
        var (_, before, _) = await RunAsync("audit", "processing", "--stream", _stream, "--rules", TestRules.Path, "--from", "2020-01-01T00:00:00Z", "--to", "2020-02-01T00:00:00Z", "--json");

        Assert.True(exitCode == 0, error);
        using var report = JsonDocument.Parse(json);
        Assert.Equal(Events, report.RootElement.GetProperty("events").GetInt64());
        var row = Assert.Single(report.RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal("support-agent", row.GetProperty("roles").GetString());
        Assert.Equal("app-1", row.GetProperty("client").GetString());
        Assert.Equal(Events - 1, row.GetProperty("requests").GetInt64());
        Assert.Equal(Events - 1, row.GetProperty("records").GetInt64());
        Assert.Equal(1, row.GetProperty("subjects").GetInt64());
        Assert.Equal("roles,client,purpose,entity,classes_in_clear,requests,records,subjects,subjects_capped", csv.Split("\r\n")[0]);
        Assert.Equal($"support-agent,app-1,,contacts,,{Events - 1},{Events - 1},1,false", csv.Split("\r\n")[1]);
        using var empty = JsonDocument.Parse(before);
        Assert.Empty(empty.RootElement.GetProperty("rows").EnumerateArray());
    }

    [Fact]
    public async Task Subject_ListsEveryAccessToThatPerson_AndNoOther()
    {
        var (exitCode, output, _) = await RunAsync("audit", "subject", "c-1", "--stream", _stream, "--json");
        var (_, nobody, _) = await RunAsync("audit", "subject", "c-404", "--stream", _stream);

        Assert.Equal(0, exitCode);
        using var result = JsonDocument.Parse(output);
        Assert.Equal(TestAudit.Keys.Pseudonym("c-1"), result.RootElement.GetProperty("subject_hash").GetString());
        var accesses = result.RootElement.GetProperty("accesses");
        Assert.Equal(Events - 1, accesses.GetArrayLength());
        Assert.All(accesses.EnumerateArray(), a => Assert.Equal("user-1", a.GetProperty("Actor").GetString()));
        Assert.Contains("0 event(s)", nobody);
    }

    [Fact]
    public async Task Report_CountsAccessesMaskingAndDenials()
    {
        var (_, json, _) = await RunAsync("audit", "report", "--stream", _stream, "--since", "1h", "--json");
        var (_, text, _) = await RunAsync("audit", "report", "--stream", _stream, "--since", "1h");

        using var report = JsonDocument.Parse(json);
        var root = report.RootElement;
        Assert.Equal(Events, root.GetProperty("events").GetInt64());
        Assert.Equal(Events - 1, root.GetProperty("accesses_by_role_and_entity").GetProperty("support-agent contacts").GetInt64());
        Assert.Equal(Events - 1, root.GetProperty("masked_fields_by_class_and_action").GetProperty("contact:partial").GetInt64());
        Assert.Equal(1, root.GetProperty("denials_by_stage_and_reason").GetProperty("identity token_missing").GetInt64());
        Assert.Contains("Denials by stage and reason", text);
        Assert.Contains("identity token_missing", text);
    }

    private static List<long> Sequences(string jsonLines) =>
        [.. jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("metadata").GetProperty("sequence").GetInt64())];

    /// <summary>A copy of the stream with one event edited, deleted, or swapped with the next, as an intruder with Redis access could make.</summary>
    private async Task<string> CopyWithAsync(string tampering)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var database = connection.GetDatabase();
        var entries = (await database.StreamRangeAsync(_stream)).ToList();
        switch (tampering)
        {
            case "edited":
                var edited = ((string)entries[4][AuditRecord.EventField]!).Replace("\"code\":200", "\"code\":204", StringComparison.Ordinal);
                entries[4] = new StreamEntry(entries[4].Id, [new(AuditRecord.EventField, edited), new(AuditRecord.HashField, entries[4][AuditRecord.HashField])]);
                break;
            case "deleted":
                entries.RemoveAt(4);
                break;
            case "duplicated":
                entries.Insert(6, entries[2]);
                break;
            default:
                (entries[4], entries[5]) = (entries[5], entries[4]);
                break;
        }
        var copy = $"{_stream}:{tampering}:{Guid.NewGuid():N}";
        foreach (var entry in entries)
        {
            await database.StreamAddAsync(copy, entry.Values);
        }
        return copy;
    }

    /// <summary>A stream of its own holding <paramref name="events"/>, chained as the gateway chains them.</summary>
    private async Task<string> WriteAsync(IEnumerable<AuditEvent> events)
    {
        using var keys = TestAudit.Keys;
        var chain = new AuditChain(keys, "gw-cli", ChainHead.Genesis);
        var lines = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var auditEvent in events)
        {
            chain.Append(auditEvent, lines);
        }
        var stream = $"{_stream}:written:{Guid.NewGuid():N}";
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        foreach (var line in System.Text.Encoding.UTF8.GetString(lines.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var json = line[(line.IndexOf(' ', 65) + 1)..];
            await connection.GetDatabase().StreamAddAsync(stream, [new(AuditRecord.EventField, json), new(AuditRecord.HashField, line[..64])]);
        }
        return stream;
    }

    private static AuditEvent Request(long sequence) =>
        new ApiActivityEvent(DateTimeOffset.UtcNow) { Method = "GET", Path = $"/api/contacts/{sequence}", StatusCode = 200, Sequence = sequence };

    private static AuditEvent Restart(long sequence, long first, long last, string durability) =>
        new AuditRestartEvent(DateTimeOffset.UtcNow, new UnwrittenSequences(first, last, durability)) { Sequence = sequence };

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] common = ["--redis", redis.Configuration];
        var withKey = args.Contains("--key-file") || args[1] is "tail" or "report" or "processing" ? args : [.. args, "--key-file", TestAudit.KeyFile];
        var exitCode = await GatewayCtl.InvokeAsync([.. withKey, .. common], new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
