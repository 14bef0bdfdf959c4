using Gateway.Quota;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Quota;

public sealed class QuotaOptionsValidatorTests
{
    private readonly Dictionary<string, string?> _settings = new()
    {
        ["Gateway:Redis:Configuration"] = "127.0.0.1:6379",
        ["Gateway:Audit:KeyFile"] = "audit.key",
        ["Gateway:Identity:Issuers:0:RoleMap:crm-support"] = "support-agent",
    };

    [Fact]
    public void Validate_RoleBudgets_Succeed()
    {
        var options = new QuotaOptions { Roles = { ["support-agent"] = Budgets(records: 100) } };

        var result = Validate(options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_ReportsEveryErrorAtOnce_EachWithItsSetting()
    {
        var options = new QuotaOptions
        {
            Roles = { ["support-agent"] = new QuotaBudgets { Records = new QuotaBudget { Limit = 0, Window = TimeSpan.FromMilliseconds(10) } } },
            Clients = { ["app-1"] = new QuotaBudgets() },
            WhenRedisDown = "allow",
            LocalInstances = 0,
            KeyPrefix = "quota:{x}",
            Timeout = TimeSpan.Zero,
        };

        var message = Validate(options).FailureMessage;

        Assert.Contains("Gateway:Quota:Roles:support-agent:Records:Limit: must be at least 1", message);
        Assert.Contains("Gateway:Quota:Roles:support-agent:Records:Window: must be between 00:00:01", message);
        Assert.Contains("Gateway:Quota:Clients:app-1: sets no budget", message);
        Assert.Contains("Gateway:Quota:WhenRedisDown: 'allow' is not refuse or local.", message);
        Assert.Contains("Gateway:Quota:LocalInstances: must be at least 1.", message);
        Assert.Contains("Gateway:Quota:KeyPrefix: must not be empty nor hold '{' or '}'.", message);
        Assert.Contains("Gateway:Quota:Timeout: must be positive", message);
    }

    [Fact]
    public void Validate_BudgetsWithoutRedisIdentityOrAuditKey_FailNamingWhatIsMissing()
    {
        _settings["Gateway:Redis:Configuration"] = null;
        _settings["Gateway:Audit:KeyFile"] = null;
        _settings["Gateway:Identity:Enabled"] = "false";

        var message = Validate(new QuotaOptions { Default = Budgets(records: 10) }).FailureMessage;

        Assert.Contains("set Gateway:Redis:Configuration", message);
        Assert.Contains("Gateway:Identity:Enabled must not be false", message);
        Assert.Contains("set Gateway:Audit:KeyFile", message);
    }

    [Fact]
    public void Validate_ARoleNoIssuerMapsTo_FailsNamingIt()
    {
        var message = Validate(new QuotaOptions { Roles = { ["support-agnet"] = Budgets(requests: 10), ["support-agent"] = Budgets(requests: 10) } }).FailureMessage;

        Assert.Contains("Gateway:Quota:Roles:support-agnet: is not a gateway role", message);
        Assert.DoesNotContain("Roles:support-agent:", message);
    }

    [Fact]
    public void Validate_RequestsBudgetOnly_NeedsNoAuditKey()
    {
        _settings["Gateway:Audit:KeyFile"] = null;

        var result = Validate(new QuotaOptions { Default = Budgets(requests: 10) });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_NoBudgets_IsOff_AndNeedsNothing()
    {
        _settings["Gateway:Redis:Configuration"] = null;

        Assert.True(Validate(new QuotaOptions()).Succeeded);
        Assert.False(new QuotaOptions().Enabled);
    }

    internal static QuotaBudgets Budgets(long? requests = null, long? records = null, long? clearValues = null, TimeSpan? window = null)
    {
        QuotaBudget? Of(long? limit) => limit is { } l ? new QuotaBudget { Limit = l, Window = window ?? TimeSpan.FromHours(1) } : null;
        return new QuotaBudgets { Requests = Of(requests), Records = Of(records), ClearValues = Of(clearValues) };
    }

    private Microsoft.Extensions.Options.ValidateOptionsResult Validate(QuotaOptions options) =>
        new QuotaOptionsValidator(new ConfigurationBuilder().AddInMemoryCollection(_settings).Build()).Validate(null, options);
}
