using System.CommandLine;
using System.Diagnostics;
using System.Net;
using Gateway.Cli.Commands;
using Gateway.ControlPlane;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests.Identity;

public sealed class RevocationTests(RedisServerFixture redis, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private static readonly TestIdentityProvider Idp = TestIdentityProvider.Shared;
    private readonly string _prefix = $"test:{Guid.NewGuid():N}:revocations";
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();
    private readonly WireMock.Server.WireMockServer _crm = CrmStub.StartHttp();
    private GatewayUnderTest _first = null!;
    private GatewayUnderTest _second = null!;

    public async Task InitializeAsync()
    {
        _first = await StartGatewayAsync();
        _second = await StartGatewayAsync();
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        _client.Dispose();
        _crm.Stop();
    }

    [Fact]
    public async Task RevokeSubject_WhileItPolls_BothInstancesRefuseWithinOneSecond_UntilUnrevoked()
    {
        var token = Idp.Mint(spec => spec.Claims["sub"] = "polling-user");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(_first, token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(_second, token));

        Assert.Equal(0, await CtlAsync("revoke", "--sub", "polling-user"));
        var clock = Stopwatch.StartNew();
        var refusedBy = await PollUntilAsync(HttpStatusCode.Unauthorized, token, TimeSpan.FromSeconds(5));

        output.WriteLine($"revocation reached both instances after {refusedBy.TotalMilliseconds:0} ms");
        Assert.True(refusedBy < TimeSpan.FromSeconds(1), $"both instances refused only after {refusedBy.TotalMilliseconds:0} ms");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(_first, Idp.Mint(spec => spec.Claims["sub"] = "someone-else")));

        Assert.Equal(0, await CtlAsync("unrevoke", "--sub", "polling-user"));
        Assert.True(await PollUntilAsync(HttpStatusCode.OK, token, TimeSpan.FromSeconds(5)) < TimeSpan.FromSeconds(1));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task RevokeTokenId_RefusesThatTokenOnly()
    {
        var revoked = Idp.Mint(spec => spec.Claims["jti"] = "jti-to-revoke");
        var sibling = Idp.Mint();

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(_first, revoked));
        Assert.Equal(0, await CtlAsync("revoke", "--jti", "jti-to-revoke"));

        await PollUntilAsync(HttpStatusCode.Unauthorized, revoked, TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(_first, revoked));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(_first, sibling));
    }

    [Fact]
    public async Task RevokeClient_RefusesEveryTokenOfThatClient()
    {
        var ofClient = Idp.Mint(spec => spec.Claims["client_id"] = "leaky-app");
        var ofAzp = Idp.Mint(spec => { spec.Claims.Remove("client_id"); spec.Claims["azp"] = "leaky-app"; });

        Assert.Equal(0, await CtlAsync("revoke", "--client", "leaky-app"));

        await PollUntilAsync(HttpStatusCode.Unauthorized, ofClient, TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(_second, ofAzp));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(_second, Idp.Mint()));
    }

    [Fact]
    public async Task RevokeFor_ExpiresByItself()
    {
        var token = Idp.Mint(spec => spec.Claims["sub"] = "briefly-revoked");

        Assert.Equal(0, await CtlAsync("revoke", "--sub", "briefly-revoked", "--for", "2s"));
        await PollUntilAsync(HttpStatusCode.Unauthorized, token, TimeSpan.FromSeconds(5));

        Assert.True(await PollUntilAsync(HttpStatusCode.OK, token, TimeSpan.FromSeconds(6)) < TimeSpan.FromSeconds(6));
    }

    /// <summary>
    /// The report: a request on a kept-alive connection 10 ms after revoke returned was
    /// served. Each instance has already validated and remembered the token on that connection.
    /// </summary>
    [Fact]
    public async Task Revoke_WhenItReturns_TheNextRequestOnAKeptAliveConnectionToEitherInstanceIsRefused()
    {
        var connections = 0;
        using var keptAlive = KeptAliveClient(() => Interlocked.Increment(ref connections));
        for (var round = 0; round < 5; round++)
        {
            var token = Idp.Mint(spec => spec.Claims["jti"] = $"kept-alive-{round}-{Guid.NewGuid():N}");
            var jti = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Id;
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(keptAlive, _first, token));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(keptAlive, _second, token));

            var clock = Stopwatch.StartNew();
            var (exitCode, printed, _) = await CtlWithOutputAsync("revoke", "--jti", jti);
            output.WriteLine($"revoke returned, confirmed, after {clock.Elapsed.TotalMilliseconds:0} ms");

            Assert.Equal(0, exitCode);
            Assert.Contains("Applied by all 2 live gateway instances", printed);
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(keptAlive, _first, token));
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(keptAlive, _second, token));
        }
        Assert.Equal(2, connections);
    }

    [Fact]
    public async Task Unrevoke_WhenItReturns_TheNextRequestOnAKeptAliveConnectionToEitherInstanceIsServed()
    {
        using var keptAlive = KeptAliveClient(() => { });
        for (var round = 0; round < 5; round++)
        {
            var subject = $"lifted-user-{round}";
            var token = Idp.Mint(spec => spec.Claims["sub"] = subject);
            Assert.Equal(0, await CtlAsync("revoke", "--sub", subject));
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(keptAlive, _first, token));
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(keptAlive, _second, token));

            var (exitCode, output, _) = await CtlWithOutputAsync("unrevoke", "--sub", subject);

            Assert.Equal(0, exitCode);
            Assert.Contains("Applied by all 2 live gateway instances", output);
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(keptAlive, _first, token));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(keptAlive, _second, token));
        }
    }

    /// <summary>An instance that reported once and then went silent (hung, or cut off from Redis) stands for any instance that does not apply the change.</summary>
    [Fact]
    public async Task Revoke_AnInstanceDoesNotConfirmInTime_ExitsNotConfirmed_NamingIt()
    {
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var store = new RevocationStore(connection, _prefix);
        await store.ReportAppliedAsync("silent-host/4242/abcdef", 0, TimeSpan.FromMinutes(1));

        var (exitCode, output, error) = await CtlWithOutputAsync("revoke", "--sub", "someone", "--wait", "0.5s");

        Assert.Equal(RevocationCommands.NotConfirmed, exitCode);
        Assert.Contains("Revoked subject 'someone'", output);
        Assert.Contains("only 2 of 3 live gateway instances confirmed", error);
        Assert.Contains("silent-host/4242/abcdef", error);
        Assert.Single(error.TrimEnd().Split('\n'));

        await store.LeaveAsync("silent-host/4242/abcdef");
        Assert.Equal(0, await CtlAsync("revoke", "--sub", "someone-else"));
    }

    [Fact]
    public async Task Revoke_NoInstanceUnderThePrefix_ExitsNotConfirmed_SayingToCheckThePrefix()
    {
        var (exitCode, _, error) = await CtlWithOutputAsync(["revoke", "--sub", "x", "--wait", "0.3s"], prefix: $"{_prefix}-typo");

        Assert.Equal(RevocationCommands.NotConfirmed, exitCode);
        Assert.Contains("no live gateway instance reports under prefix", error);
        Assert.Contains("--prefix", error);
    }

    [Fact]
    public async Task Revoke_Wait0_StoresWithoutWaiting()
    {
        var (exitCode, output, _) = await CtlWithOutputAsync(["revoke", "--sub", "x", "--wait", "0"], prefix: $"{_prefix}-nobody");

        Assert.Equal(0, exitCode);
        Assert.Contains("Not waiting", output);
    }

    [Fact]
    public async Task Revoke_AfterAnInstanceStopped_ConfirmsWithTheOthersAlone()
    {
        var third = await StartGatewayAsync();
        Assert.Contains("all 3 live gateway instances", (await CtlWithOutputAsync("revoke", "--sub", "a")).Output);

        await third.DisposeAsync();
        var (exitCode, output, _) = await CtlWithOutputAsync("revoke", "--sub", "b");

        Assert.Equal(0, exitCode);
        Assert.Contains("all 2 live gateway instances", output);
    }

    [Theory]
    [InlineData("revoke")]
    [InlineData("revoke", "--sub", "a", "--jti", "b")]
    [InlineData("revoke", "--sub", "a", "--for", "soon")]
    [InlineData("revoke", "--sub", "a", "--wait", "soon")]
    [InlineData("unrevoke")]
    [InlineData("unrevoke", "--sub", "a", "--wait", "-1s")]
    public async Task Ctl_BadArguments_ExitWithUsageError(params string[] args)
    {
        Assert.Equal(RevocationCommands.Usage, await CtlAsync(args));
    }

    [Fact]
    public async Task Ctl_UnreachableRedis_FailsClearly()
    {
        using var error = new StringWriter();
        var exitCode = await GatewayCtl.InvokeAsync(["revoke", "--sub", "x", "--redis", $"127.0.0.1:{FreePort.Next()},connectTimeout=300"], new InvocationConfiguration { Output = TextWriter.Null, Error = error });

        Assert.Equal(RevocationCommands.Failed, exitCode);
        Assert.StartsWith("gatewayctl: cannot reach Redis at 127.0.0.1:", error.ToString());
        Assert.Contains("is Redis running", error.ToString());
    }

    /// <summary>Started and ready: until its first copy of the denylist is loaded a gateway answers 503, and the tests measure revocation, not start-up.</summary>
    private async Task<GatewayUnderTest> StartGatewayAsync()
    {
        var gateway = await GatewayUnderTest.For(_crm.Url!)
            .WithAudit(redis.Configuration)
            .With("Gateway:Identity:Revocation:KeyPrefix", _prefix)
            .StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await gateway.PollReadyAsync(_client, HttpStatusCode.OK)).StatusCode);
        return gateway;
    }

    private Task<int> CtlAsync(params string[] args) =>
        GatewayCtl.InvokeAsync([.. args, "--redis", redis.Configuration, "--prefix", _prefix], new InvocationConfiguration { Output = TextWriter.Null, Error = TextWriter.Null });

    private async Task<(int ExitCode, string Output, string Error)> CtlWithOutputAsync(string[] args, string? prefix = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await GatewayCtl.InvokeAsync([.. args, "--redis", redis.Configuration, "--prefix", prefix ?? _prefix], new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    private Task<(int ExitCode, string Output, string Error)> CtlWithOutputAsync(params string[] args) => CtlWithOutputAsync(args, null);

    private Task<HttpStatusCode> StatusAsync(GatewayUnderTest gateway, string token) => StatusAsync(_client, gateway, token);

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, GatewayUnderTest gateway, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url("/api/contacts"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return (await client.SendAsync(request)).StatusCode;
    }

    /// <summary>One HTTP/1.1 connection per gateway, kept open for the whole test; <paramref name="connected"/> counts the connections opened.</summary>
    private static HttpClient KeptAliveClient(Action connected) => GatewayUnderTest.CreateClient(configure: handler =>
    {
        handler.PooledConnectionLifetime = Timeout.InfiniteTimeSpan;
        handler.PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5);
        handler.MaxConnectionsPerServer = 1;
        handler.ConnectCallback = async (context, cancellationToken) =>
        {
            connected();
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        };
    });

    /// <summary>Asks both instances until both answer <paramref name="expected"/>; returns how long that took (the propagation measured), or MaxValue past <paramref name="limit"/>.</summary>
    private async Task<TimeSpan> PollUntilAsync(HttpStatusCode expected, string token, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var both = await Eventually.HoldsWithinAsync(async () => await StatusAsync(_first, token) == expected && await StatusAsync(_second, token) == expected, limit);
        return both ? clock.Elapsed : TimeSpan.MaxValue;
    }
}

public sealed class StaleRevocationListTests
{
    [Fact]
    public async Task RedisGone_BeyondMaxStaleness_RequestsFailClosedWith503()
    {
        var redis = new RedisServerFixture();
        await redis.InitializeAsync();
        using var crm = CrmStub.StartHttp();
        // The denylist grows stale on the gateway's clock, which moves only when the test says so.
        var clock = new FakeClock();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .WithAudit($"{redis.Configuration},connectTimeout=300")
            .With("Gateway:Identity:Revocation:RefreshInterval", "00:00:00.100")
            .With("Gateway:Identity:Revocation:MaxStaleness", "00:00:00.800")
            .WithServices(services => services.AddSingleton<TimeProvider>(clock))
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        var status = await Eventually.ValueAsync(async () => (await client.GetAsync(gateway.Url("/api/contacts"))).StatusCode, s => s == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, status);

        await redis.DisposeAsync();
        clock.Advance(TimeSpan.FromMilliseconds(900));
        status = await Eventually.ValueAsync(async () => (await client.GetAsync(gateway.Url("/api/contacts"))).StatusCode, s => s == HttpStatusCode.ServiceUnavailable);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync(gateway.AdminUrl("/readyz"))).StatusCode);
    }
}
