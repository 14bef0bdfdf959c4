using Gateway.Identity;
using Gateway.Quota;
using Microsoft.Extensions.Options;
using static Gateway.Tests.Quota.QuotaOptionsValidatorTests;

namespace Gateway.Tests.Quota;

public sealed class QuotaPolicyTests
{
    private static readonly QuotaOptions Options = new()
    {
        Roles =
        {
            ["support-agent"] = Budgets(requests: 600, records: 100),
            ["analyst"] = Budgets(records: 1000, window: TimeSpan.FromDays(1)),
            ["exporter"] = Budgets(records: 500),
        },
        Default = Budgets(requests: 60, records: 10, clearValues: 5),
        Clients = { ["sync-app"] = Budgets(records: 50_000) },
    };

    private readonly QuotaPolicy _policy = new(Microsoft.Extensions.Options.Options.Create(Options));

    [Fact]
    public void For_OneListedRole_TakesItsBudgets_AndTheDefaultForKindsItLeavesOut()
    {
        var limits = _policy.For(Caller("support-agent"));

        Assert.Equal(600, limits.Requests!.Limit);
        Assert.Equal(100, limits.Records!.Limit);
        Assert.Equal(5, limits.ClearValues!.Limit);
    }

    [Fact]
    public void For_SeveralListedRoles_TakesTheMostGenerousPerTime()
    {
        // 500 an hour is more than 1000 a day.
        Assert.Equal(500, _policy.For(Caller("analyst", "exporter")).Records!.Limit);
        Assert.Equal(500, _policy.For(Caller("exporter", "analyst")).Records!.Limit);
    }

    [Fact]
    public void For_UnlistedRole_GetsTheDefault()
    {
        Assert.Equal(10, _policy.For(Caller("someone")).Records!.Limit);
    }

    [Fact]
    public void For_AClientOverride_ReplacesTheRolesBudgetOfItsKindOnly()
    {
        var limits = _policy.For(Caller("support-agent") with { ClientId = "sync-app" });

        Assert.Equal(50_000, limits.Records!.Limit);
        Assert.Equal(600, limits.Requests!.Limit);
    }

    [Fact]
    public void For_NoBudgetOfAKindAnywhere_LeavesItUnlimited()
    {
        var policy = new QuotaPolicy(Microsoft.Extensions.Options.Options.Create(new QuotaOptions { Roles = { ["support-agent"] = Budgets(records: 1) } }));

        var limits = policy.For(Caller("support-agent"));

        Assert.Null(limits.Requests);
        Assert.Null(limits.ClearValues);
        Assert.False(policy.For(Caller("other")).Any);
    }

    private static GatewayIdentity Caller(params string[] roles) =>
        new("https://idp.example", "alice", null, null, new HashSet<string>(roles), false, DateTimeOffset.UnixEpoch);
}
