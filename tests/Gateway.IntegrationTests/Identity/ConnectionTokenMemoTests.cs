using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.IntegrationTests.Identity;

/// <summary>
/// Requests on one kept-alive connection, where the gateway recognises the token the connection
/// presented just before: the recognition must never stand in for another token, nor outlive the
/// token's expiry.
/// </summary>
public sealed class ConnectionTokenMemoTests : GatewayInFrontOfCrm, IDisposable
{
    private static readonly TestIdentityProvider Idp = TestIdentityProvider.Shared;
    /// <summary>The gateway's clock: a token expires when the test moves it on, not when the machine's clock does.</summary>
    private readonly FakeClock _clock = new();
    private int _connections;
    private readonly HttpClient _client;

    public ConnectionTokenMemoTests()
    {
        _client = GatewayUnderTest.CreateClient(configure: handler =>
        {
            handler.PooledConnectionLifetime = Timeout.InfiniteTimeSpan;
            handler.PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5);
            handler.MaxConnectionsPerServer = 1;
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                Interlocked.Increment(ref _connections);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            };
        });
    }

    protected override GatewayUnderTest Configure(GatewayUnderTest gateway) => gateway
        .With("Gateway:Identity:ClockSkew", "00:00:00")
        .WithServices(services => services.AddSingleton<TimeProvider>(_clock));

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task TokensTakingTurnsOnOneConnection_EachGetsItsOwnVerdict()
    {
        var supportAgent = Mint();
        var noRole = Mint(spec => spec.Claims["roles"] = new[] { "everyone" });
        var forged = Mint(spec => spec.SigningKey = new RsaSecurityKey(RSA.Create(2048)) { KeyId = Idp.RsaKey.KeyId });

        var statuses = new List<HttpStatusCode>();
        foreach (var token in new[] { supportAgent, supportAgent, noRole, noRole, supportAgent, forged, supportAgent, forged })
        {
            statuses.Add((await GetAsync(token)).StatusCode);
        }

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.Unauthorized],
            statuses);
        Assert.Equal(1, _connections);
    }

    [Fact]
    public async Task TokenExpiringBetweenTwoRequestsOnOneConnection_SecondIsRefused()
    {
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(Mint())).StatusCode);
        var token = Mint(spec => spec.Expires = TimeSpan.FromSeconds(3));
        var first = await GetAsync(token);
        Assert.True(first.StatusCode == HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(token)).StatusCode);

        _clock.Advance(TimeSpan.FromSeconds(4));
        var late = await GetAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, late.StatusCode);
        Assert.Contains("error=\"invalid_token\"", late.Headers.WwwAuthenticate.ToString());
        Assert.Equal(1, _connections);
    }

    /// <summary>A token of the test identity provider, its times counted on the gateway's clock (no skew is allowed).</summary>
    private string Mint(Action<TokenSpec>? customize = null) => Idp.Mint(spec =>
    {
        spec.Clock = _clock;
        customize?.Invoke(spec);
    });

    private Task<HttpResponseMessage> GetAsync(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Gateway.Url("/api/contacts"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _client.SendAsync(request);
    }
}
