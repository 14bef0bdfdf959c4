using System.Net;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Identity;

/// <summary>
/// Validly signed tokens that the strict reading refuses: the audit event names the precise
/// reason, while the client is told only that its token is invalid.
/// </summary>
public sealed class StrictTokenTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TestIdentityProvider Idp = TestIdentityProvider.Shared;

    [Fact]
    public async Task TokenSignedAsWritten_ByTheSameHelperAsTheAttacks_IsServed()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).StartAsync();

        var response = await SendAsync(gateway, Idp.SignJson(TestIdentityProvider.RsaHeaderJson, TestIdentityProvider.PayloadJson()));

        Assert.Equal(200, response.Status);
    }

    [Fact]
    public async Task StrictRefusals_EachAuditedWithItsOwnReason_ClientToldOnlyInvalidToken()
    {
        string[] attacks =
        [
            "signature with = padding",
            "payload with non-zero trailing bits, signed",
            "duplicate sub in the payload",
            "exp as a string",
            "iat in the future beyond the skew",
            "data after the payload object",
        ];
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .WithAudit(redis.Configuration)
            .With("Gateway:Identity:Revocation:Enabled", "false")
            .StartAsync();

        foreach (var attack in attacks)
        {
            var response = await SendAsync(gateway, AttackTokens.Token(attack));

            Assert.Equal(401, response.Status);
            Assert.True(response.HasHeader("WWW-Authenticate", "error=\"invalid_token\""), response.Head);
            Assert.Contains("\"code\":\"invalid_token\"", response.Body);
            Assert.DoesNotContain(AttackTokens.Reason(attack), response.Body);
        }

        var events = await TestAudit.WaitForAsync(redis.Configuration, gateway.AuditStream!, attacks.Length);
        Assert.Equal(attacks.Select(AttackTokens.Reason), events.Select(e => e.Document.RootElement.GetProperty("status_detail").GetString()));
        Assert.All(events, e =>
        {
            Assert.Equal("Denied", e.Document.RootElement.GetProperty("action").GetString());
            Assert.Equal("identity", e.Document.RootElement.GetProperty("unmapped").GetProperty("denied_by").GetString());
        });
        Assert.Empty(crm.LogEntries);
    }

    private static Task<RawResponse> SendAsync(GatewayUnderTest gateway, string token) =>
        RawHttpsClient.SendAsync(gateway.ProxyPort,
            $"GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");
}
