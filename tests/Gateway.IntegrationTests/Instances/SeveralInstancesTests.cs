using System.CommandLine;
using System.Diagnostics;
using System.Net;
using Gateway.Cli.Commands;
using Gateway.IntegrationTests.Infrastructure;
using static Gateway.IntegrationTests.Consent.ConsentSetup;

namespace Gateway.IntegrationTests.Instances;

/// <summary>
/// Three gateways sharing one redis-server (audit stream, consent register, revocation denylist)
/// and one rules file, as replicas of one deployment do: real TLS, a WireMock CRM.
/// </summary>
public sealed class SeveralInstancesTests(RedisServerFixture redis, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const int Instances = 3;
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(1);
    private readonly string _stream = $"audit:{Guid.NewGuid():N}";
    private readonly string _revocationPrefix = $"test:{Guid.NewGuid():N}:revocations";
    private readonly string _consentPrefix = $"consent:{Guid.NewGuid():N}";
    private readonly string _rules = Path.Combine(TestPki.Shared.Directory, $"instances-rules-{Guid.NewGuid():N}.yaml");
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();
    private readonly WireMock.Server.WireMockServer _crm = StartCrm();
    private readonly List<GatewayUnderTest> _gateways = [];

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_rules, Rules);
        for (var i = 0; i < Instances; i++)
        {
            var gateway = await ConsentGateway(_crm.Url!, redis.Configuration, _consentPrefix)
                .With("Gateway:Audit:Stream", _stream)
                .With("Gateway:Identity:Revocation:Enabled", "true")
                .With("Gateway:Identity:Revocation:KeyPrefix", _revocationPrefix)
                .With("Gateway:Masking:RulesPath", _rules)
                .StartAsync();
            _gateways.Add(gateway);
            Assert.Equal(HttpStatusCode.OK, (await gateway.PollReadyAsync(_client, HttpStatusCode.OK)).StatusCode);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }
        _client.Dispose();
        _crm.Stop();
        File.Delete(_rules);
    }

    [Fact]
    public async Task The_shared_audit_stream_holds_one_chain_per_instance_and_verifies()
    {
        foreach (var gateway in _gateways)
        {
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await GetAsync(_client, gateway.Url("/api/contacts/c-1"), Token(null))).StatusCode);
            }
        }
        await TestAudit.WaitForAsync(redis.Configuration, _stream, 4 * Instances);

        var (exitCode, printed) = await CtlAsync("audit", "verify", "--stream", _stream, "--key-file", TestAudit.KeyFile);

        Assert.True(exitCode == 0, printed);
        Assert.Contains($"events from {Instances} instance(s) checked; 0 replayed duplicate(s); 0 break(s).", printed);
    }

    [Fact]
    public async Task Revocation_reaches_every_instance_within_one_second()
    {
        var token = TestIdentityProvider.Shared.Mint(spec => spec.Claims["sub"] = "user-on-every-instance");
        Assert.True(await AllAsync(async g => (await GetAsync(_client, g.Url("/api/contacts/c-1"), token)).StatusCode == HttpStatusCode.OK));

        var (exitCode, printed) = await CtlAsync("revoke", "--sub", "user-on-every-instance", "--prefix", _revocationPrefix);
        Assert.True(exitCode == 0, printed);
        var took = await TimeUntilAllAsync(async g => (await GetAsync(_client, g.Url("/api/contacts/c-1"), token)).StatusCode == HttpStatusCode.Unauthorized);

        output.WriteLine($"revocation reached all {Instances} instances after {took.TotalMilliseconds:0} ms");
        Assert.True(took < Propagation, $"all {Instances} instances refused only after {took.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Consent_withdrawn_through_one_instance_is_enforced_by_every_instance_within_one_second()
    {
        await GrantAsync(_client, _gateways[0], "c-1", "marketing");
        Assert.True(await AllAsync(async g => (await ListedIdsAsync(await GetAsync(_client, g.Url("/api/contacts"), Token("marketing")))).Contains("c-1")));

        await WithdrawAsync(_client, _gateways[1], "c-1", "marketing");
        var took = await TimeUntilAllAsync(async g => !(await ListedIdsAsync(await GetAsync(_client, g.Url("/api/contacts"), Token("marketing")))).Contains("c-1"));

        output.WriteLine($"consent withdrawal reached all {Instances} instances after {took.TotalMilliseconds:0} ms");
        Assert.True(took < Propagation, $"all {Instances} instances removed c-1 only after {took.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task A_changed_rules_file_is_applied_by_every_instance()
    {
        Assert.True(await AllAsync(async g => (await (await GetAsync(_client, g.Url("/api/contacts/c-1"), Token(null))).Content.ReadAsStringAsync()).Contains("c-1@people.example")));

        await File.WriteAllTextAsync(_rules, Rules.Replace("contact:      allow", "contact:      redact"));

        await Eventually.UntilAsync(
            () => AllAsync(async g => !(await (await GetAsync(_client, g.Url("/api/contacts/c-1"), Token(null))).Content.ReadAsStringAsync()).Contains("c-1@people.example")),
            $"not every one of the {Instances} instances applied the changed rules");
    }

    private async Task<bool> AllAsync(Func<GatewayUnderTest, Task<bool>> holds)
    {
        foreach (var gateway in _gateways)
        {
            if (!await holds(gateway))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>How long until <paramref name="holds"/> holds on every instance (the propagation measured); MaxValue if not within 5 s.</summary>
    private async Task<TimeSpan> TimeUntilAllAsync(Func<GatewayUnderTest, Task<bool>> holds)
    {
        var clock = Stopwatch.StartNew();
        return await Eventually.HoldsWithinAsync(() => AllAsync(holds), TimeSpan.FromSeconds(5)) ? clock.Elapsed : TimeSpan.MaxValue;
    }

    private async Task<(int ExitCode, string Output)> CtlAsync(params string[] args)
    {
        using var printed = new StringWriter();
        var exitCode = await GatewayCtl.Build().Parse([.. args, "--redis", redis.Configuration])
            .InvokeAsync(new InvocationConfiguration { Output = printed, Error = printed });
        return (exitCode, printed.ToString());
    }
}
