using Gateway.Identity;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests.Identity;

/// <summary>Every attack token gets 401 through the real gateway and never reaches the CRM or the attacker's key server.</summary>
public sealed class AttackSuiteTests : GatewayInFrontOfCrm
{
    [Fact]
    public void Catalog_HoldsAtLeastFortyAttacks()
    {
        Assert.True(AttackTokens.Count >= 40, $"only {AttackTokens.Count} attacks");
    }

    [Theory]
    [MemberData(nameof(AttackTokens.Names), MemberType = typeof(AttackTokens))]
    public async Task AttackToken_IsRefusedWith401AndNothingLeavesTheGateway(string attack)
    {
        var token = AttackTokens.Token(attack);

        var response = await RawHttpsClient.SendAsync(Gateway.ProxyPort,
            $"GET /api/contacts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");

        Assert.Equal(401, response.Status);
        Assert.True(response.HasHeader("WWW-Authenticate", "error=\"invalid_token\""), response.Head);
        Assert.Contains("\"code\":\"invalid_token\"", response.Body);
        Assert.Empty(Crm.LogEntries);
        Assert.Empty(AttackTokens.AttackerHost.LogEntries);
    }

    [Theory]
    [MemberData(nameof(AttackTokens.Names), MemberType = typeof(AttackTokens))]
    public async Task AttackToken_IsRecordedWithItsPreciseReason(string attack)
    {
        var validator = Gateway.Services.GetRequiredService<AccessTokenValidator>();

        var verdict = await validator.ValidateAsync(AttackTokens.Token(attack).AsMemory(), CancellationToken.None);

        Assert.Null(verdict.Identity);
        Assert.Equal(AttackTokens.Reason(attack), verdict.Reason);
    }
}
