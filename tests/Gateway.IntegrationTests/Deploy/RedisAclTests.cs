using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Cli.Commands;
using Gateway.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using static Gateway.IntegrationTests.Consent.ConsentSetup;

namespace Gateway.IntegrationTests.Deploy;

/// <summary>
/// The shipped Redis ACL (deploy/redis/users.acl through start-redis.sh) is enough for everything the
/// gateway and gatewayctl do, and no more: a real redis-server, the real gateway and gatewayctl,
/// each logged in as its own user with the default key prefixes.
/// </summary>
public sealed class RedisAclTests(ShippedRedis redis, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ShippedRedis>
{
    private const string AuditStream = "gateway:audit";

    /// <summary>StackExchange.Redis tries these while it connects and goes on when they are refused (ACL LOG: reason, user, object).</summary>
    private static readonly string[] RefusedWhileConnecting =
    [
        "command gateway config|get", "command gateway cluster|nodes", "command gateway client|setinfo",
        "key gateway __Booksleeve_TieBreak", "channel gateway __Booksleeve_MasterChanged",
        "command gatewayctl config|get", "command gatewayctl cluster|nodes", "command gatewayctl client|setinfo",
        "command gatewayctl get", "command gatewayctl subscribe",
    ];

    [Fact]
    public async Task Gateway_and_gatewayctl_as_their_acl_users_audit_revoke_check_consent_and_quotas_without_a_refused_command()
    {
        await redis.ResetAclLogAsync();
        using var crm = StartCrm();
        await using var gateway = await ConsentGateway(crm.Url!, redis.GatewayConfiguration, "gateway:consent")
            .With("Gateway:Identity:Revocation:Enabled", null)
            .With("Gateway:Audit:Stream", AuditStream)
            .With("Gateway:Identity:Issuers:0:RoleMap:soc", "soc-analyst")
            .With("Gateway:Identity:Issuers:0:RoleMap:dpo", "privacy-officer")
            .With("Gateway:Quota:Default:Requests:Limit", "1000").With("Gateway:Quota:Default:Requests:Window", "01:00:00")
            .With("Gateway:Quota:Default:Records:Limit", "1000").With("Gateway:Quota:Default:Records:Window", "01:00:00")
            .With("Gateway:Quota:Default:ClearValues:Limit", "1000").With("Gateway:Quota:Default:ClearValues:Window", "01:00:00")
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        var ready = await gateway.PollReadyAsync(client, HttpStatusCode.OK);
        Assert.True(ready.StatusCode == HttpStatusCode.OK, await ready.Content.ReadAsStringAsync());

        // Proxy and mask (contract purpose: no consent lookup).
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, gateway.Url("/api/contacts"), Token("support"))).StatusCode);

        // Consent: the register's API writes, the proxy's lookups read.
        await GrantAsync(client, gateway, "c-1", "marketing");
        var shown = JsonNode.Parse(await (await AdminAsync(client, HttpMethod.Get, gateway.AdminUrl("/consent/c-1"))).Content.ReadAsStringAsync())!;
        Assert.Equal("granted", (string)shown["purposes"]!["marketing"]!["status"]!);
        var marketing = JsonNode.Parse(await (await GetAsync(client, gateway.Url("/api/contacts"), Token("marketing"))).Content.ReadAsStringAsync())!;
        Assert.Equal(["c-1"], marketing["data"]!.AsArray().Select(r => (string)r!["id"]!));

        // Quotas: the next request's script adds what the responses above counted.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, gateway.Url("/api/contacts"), Token("support"))).StatusCode);
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.AdminConfiguration))
        {
            var records = (long?)await admin.GetDatabase().StringGetAsync(Gateway.ControlPlane.QuotaOverrideStore.PrincipalKey("gateway:quota", "user-1") + ":records");
            Assert.True(records > 0, $"records counted: {records}");
        }

        // Revocation: gatewayctl writes and announces, the gateway reloads and refuses.
        var revoked = TestIdentityProvider.Shared.Mint(spec => { spec.Claims["sub"] = "acl-revoked"; spec.Claims["client_id"] = "app-1"; });
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, gateway.Url("/api/contacts"), revoked)).StatusCode);
        Assert.Equal(0, await CtlAsync("revoke", "--sub", "acl-revoked", "--redis", redis.GatewayCtlConfiguration));
        Assert.Equal(HttpStatusCode.Unauthorized, await PollStatusAsync(client, gateway, revoked, HttpStatusCode.Unauthorized));
        Assert.Equal(0, await CtlAsync("unrevoke", "--sub", "acl-revoked", "--redis", redis.GatewayCtlConfiguration));
        Assert.Equal(HttpStatusCode.OK, await PollStatusAsync(client, gateway, revoked, HttpStatusCode.OK));

        // Audit: every request and change above reached the stream, and gatewayctl can verify it.
        var events = await TestAudit.WaitForAsync(redis.AdminConfiguration, AuditStream, 7);
        Assert.True(events.Count >= 7, $"{events.Count} audit events in {AuditStream}");
        var (verified, verifyOutput) = await CtlWithOutputAsync("audit", "verify", "--redis", redis.GatewayCtlConfiguration, "--stream", AuditStream, "--key-file", TestAudit.KeyFile);
        Assert.True(verified == 0, verifyOutput);

        // Console alerts view: the newest alerts with their state.
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.AdminConfiguration))
        {
            var alert = PrivacyConsole.ConsoleSetup.NewAlert($"acl-{Guid.NewGuid():N}", "user-1", 80, DateTimeOffset.UtcNow, new Gateway.Detector.ContainmentPlan("alert", 0, TimeSpan.Zero, null), "records_rate");
            Assert.NotNull(await new Gateway.Detector.AlertStore(admin, "gateway:alerts", "gateway:detector").AddAsync(alert, Gateway.Detector.DetectionFinding.ToJson(alert, AuditStream, "acl-test")));
        }
        var alerts = await GetAsync(client, gateway.AdminUrl("/console/api/alerts?limit=1"), PrivacyConsole.ConsoleSetup.Token("soc"));
        Assert.True(alerts.StatusCode == HttpStatusCode.OK, await alerts.Content.ReadAsStringAsync());

        // Console audit views: the stream read back in bounded pages (XRANGE, XREVRANGE).
        var readers = PrivacyConsole.ConsoleSetup.Token(PrivacyConsole.ConsoleSetup.SocAnalystGroup, PrivacyConsole.ConsoleSetup.PrivacyOfficerGroup);
        foreach (var view in new[] { "/console/api/audit?limit=5", "/console/api/audit/verify", "/console/api/processing?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z" })
        {
            var answer = await GetAsync(client, gateway.AdminUrl(view), readers);
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{view}: {await answer.Content.ReadAsStringAsync()}");
        }

        var log = await redis.AclLogAsync();
        output.WriteLine(string.Join('\n', log));
        Assert.Empty(log.Except(RefusedWhileConnecting));
    }

    [Theory]
    [InlineData("gateway", "XDEL", "gateway:audit", "0-1")]
    [InlineData("gateway", "DEL", "gateway:audit")]
    [InlineData("gateway", "SET", "other:key", "x")]
    [InlineData("gateway", "HGETALL", "other:hash")]
    [InlineData("gateway", "KEYS", "*")]
    [InlineData("gateway", "FLUSHALL")]
    [InlineData("gateway", "CONFIG", "SET", "appendonly", "no")]
    [InlineData("gateway", "SCRIPT", "FLUSH")]
    [InlineData("gateway", "ACL", "LIST")]
    [InlineData("gatewayctl", "XADD", "gateway:audit", "*", "event", "forged")]
    [InlineData("gatewayctl", "XTRIM", "gateway:audit", "MAXLEN", "0")]
    [InlineData("gatewayctl", "XDEL", "gateway:audit", "0-1")]
    [InlineData("gatewayctl", "DEL", "gateway:revocations")]
    [InlineData("gatewayctl", "HSET", "gateway:consent:abc", "marketing", "{}")]
    [InlineData("gatewayctl", "SHUTDOWN")]
    public async Task Each_user_is_refused_what_it_does_not_need(string user, string command, params string[] arguments)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConfigurationFor(user));

        var refusal = await Assert.ThrowsAsync<RedisServerException>(() => connection.GetDatabase().ExecuteAsync(command, [.. arguments]));

        Assert.StartsWith("NOPERM", refusal.Message);
    }

    [Fact]
    public async Task The_password_can_come_from_a_file_instead_of_the_configuration_string()
    {
        using var crm = StartCrm();
        await using var gateway = await ConsentGateway(crm.Url!, $"127.0.0.1:{redis.Port},user=gateway,connectTimeout=3000", "gateway:consent")
            .With("Gateway:Redis:PasswordFile", Path.Combine(redis.PasswordDirectory, "gateway"))
            .With("Gateway:Identity:Revocation:Enabled", null)
            .With("Gateway:Audit:Stream", AuditStream)
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        var ready = await gateway.PollReadyAsync(client, HttpStatusCode.OK);

        Assert.True(ready.StatusCode == HttpStatusCode.OK, await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, gateway.Url("/api/contacts"), Token("support"))).StatusCode);
    }

    [Fact]
    public async Task The_default_user_and_wrong_passwords_are_refused()
    {
        Assert.StartsWith("-NOAUTH", await RawAsync("PING"));
        Assert.StartsWith("-WRONGPASS", await RawAsync("AUTH", "default", "anything"));
        Assert.StartsWith("-WRONGPASS", await RawAsync("AUTH", "gateway", redis.Password("gatewayctl")));
        Assert.StartsWith("-WRONGPASS", await RawAsync("AUTH", "nobody", redis.Password("gateway")));

        var wrong = await Assert.ThrowsAsync<RedisConnectionException>(() => ConnectionMultiplexer.ConnectAsync(redis.ConfigurationFor("gateway", "wrong-password-0123456789") + ",abortConnect=true"));
        Assert.Equal(ConnectionFailureType.AuthenticationFailure, wrong.FailureType);
    }

    [Fact]
    public async Task A_gateway_with_a_wrong_password_is_not_ready_and_says_why()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Redis:Configuration", redis.ConfigurationFor("gateway", "wrong-password-0123456789"))
            .With("Gateway:Audit:KeyFile", TestAudit.KeyFile)
            .With("Gateway:Audit:SpoolDirectory", TestAudit.NewSpoolDirectory())
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        var ready = await gateway.PollReadyAsync(client, HttpStatusCode.OK, TimeSpan.FromSeconds(2));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("redis", await ready.Content.ReadAsStringAsync());
    }

    private async Task<HttpStatusCode> PollStatusAsync(HttpClient client, GatewayUnderTest gateway, string token, HttpStatusCode expected) =>
        await Eventually.ValueAsync(async () => (await GetAsync(client, gateway.Url("/api/contacts"), token)).StatusCode, status => status == expected);

    private static async Task<int> CtlAsync(params string[] args) => (await CtlWithOutputAsync(args)).ExitCode;

    private static async Task<(int ExitCode, string Output)> CtlWithOutputAsync(params string[] args)
    {
        using var output = new StringWriter();
        var exitCode = await GatewayCtl.InvokeAsync(args, new InvocationConfiguration { Output = output, Error = output });
        return (exitCode, output.ToString());
    }

    /// <summary>One RESP command on a fresh connection that has not logged in; the first reply line.</summary>
    private async Task<string> RawAsync(params string[] command)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, redis.Port);
        var stream = tcp.GetStream();
        var request = new StringBuilder($"*{command.Length}\r\n");
        foreach (var part in command)
        {
            request.Append($"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        var buffer = new byte[512];
        var read = await stream.ReadAsync(buffer);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}
