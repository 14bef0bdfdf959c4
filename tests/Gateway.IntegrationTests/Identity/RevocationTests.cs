using System.CommandLine;
using System.Diagnostics;
using System.Net;
using Gateway.Cli.Commands;
using Gateway.IntegrationTests.Infrastructure;

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

    [Theory]
    [InlineData("revoke")]
    [InlineData("revoke", "--sub", "a", "--jti", "b")]
    [InlineData("revoke", "--sub", "a", "--for", "soon")]
    [InlineData("unrevoke")]
    public async Task Ctl_BadArguments_ExitWithUsageError(params string[] args)
    {
        Assert.Equal(RevocationCommands.Usage, await CtlAsync(args));
    }

    [Fact]
    public async Task Ctl_UnreachableRedis_FailsClearly()
    {
        using var error = new StringWriter();
        var exitCode = await GatewayCtl.Build().Parse(["revoke", "--sub", "x", "--redis", $"127.0.0.1:{FreePort.Next()},connectTimeout=300"])
            .InvokeAsync(new InvocationConfiguration { Output = TextWriter.Null, Error = error });

        Assert.Equal(RevocationCommands.Failed, exitCode);
        Assert.Contains("Cannot reach Redis", error.ToString());
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
        GatewayCtl.Build().Parse([.. args, "--redis", redis.Configuration, "--prefix", _prefix])
            .InvokeAsync(new InvocationConfiguration { Output = TextWriter.Null, Error = TextWriter.Null });

    private async Task<HttpStatusCode> StatusAsync(GatewayUnderTest gateway, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url("/api/contacts"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return (await _client.SendAsync(request)).StatusCode;
    }

    /// <summary>Polls both instances every 20 ms until both answer <paramref name="expected"/>; returns how long that took.</summary>
    private async Task<TimeSpan> PollUntilAsync(HttpStatusCode expected, string token, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (await StatusAsync(_first, token) == expected && await StatusAsync(_second, token) == expected)
            {
                return clock.Elapsed;
            }
            await Task.Delay(20);
        }
        return TimeSpan.MaxValue;
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
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .WithAudit($"{redis.Configuration},connectTimeout=300")
            .With("Gateway:Identity:Revocation:RefreshInterval", "00:00:00.100")
            .With("Gateway:Identity:Revocation:MaxStaleness", "00:00:00.800")
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        HttpStatusCode status = default;
        for (var attempt = 0; attempt < 100 && status != HttpStatusCode.OK; attempt++)
        {
            status = (await client.GetAsync(gateway.Url("/api/contacts"))).StatusCode;
            await Task.Delay(20);
        }
        Assert.Equal(HttpStatusCode.OK, status);

        await redis.DisposeAsync();
        for (var attempt = 0; attempt < 100 && status != HttpStatusCode.ServiceUnavailable; attempt++)
        {
            await Task.Delay(50);
            status = (await client.GetAsync(gateway.Url("/api/contacts"))).StatusCode;
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync(gateway.AdminUrl("/readyz"))).StatusCode);
    }
}
