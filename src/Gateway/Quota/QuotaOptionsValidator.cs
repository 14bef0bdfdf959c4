using Gateway.Configuration;
using Gateway.Identity;
using Microsoft.Extensions.Options;

namespace Gateway.Quota;

internal sealed class QuotaOptionsValidator(IConfiguration configuration) : IValidateOptions<QuotaOptions>
{
    private static readonly TimeSpan MinWindow = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(31);

    public ValidateOptionsResult Validate(string? name, QuotaOptions options)
    {
        var errors = new ValidationErrors();
        foreach (var (role, budgets) in options.Roles)
        {
            CheckBudgets($"{QuotaOptions.Section}:Roles:{role}", budgets, errors);
        }
        if (options.Default is { } fallback)
        {
            CheckBudgets($"{QuotaOptions.Section}:Default", fallback, errors);
        }
        foreach (var (client, budgets) in options.Clients)
        {
            CheckBudgets($"{QuotaOptions.Section}:Clients:{client}", budgets, errors);
        }
        if (options.WhenRedisDown is not ("refuse" or "local"))
        {
            errors.Add($"{QuotaOptions.Section}:WhenRedisDown", $"'{options.WhenRedisDown}' is not refuse or local.");
        }
        if (options.LocalInstances < 1)
        {
            errors.Add($"{QuotaOptions.Section}:LocalInstances", "must be at least 1.");
        }
        if (string.IsNullOrWhiteSpace(options.KeyPrefix) || options.KeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            // A brace in the prefix would become every key's Cluster hash tag: all principals on one node.
            errors.Add($"{QuotaOptions.Section}:KeyPrefix", "must not be empty nor hold '{' or '}'.");
        }
        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromSeconds(10))
        {
            errors.Add($"{QuotaOptions.Section}:Timeout", "must be positive and at most 00:00:10.");
        }
        if (options.FlushInterval <= TimeSpan.Zero || options.FlushInterval > TimeSpan.FromSeconds(10))
        {
            errors.Add($"{QuotaOptions.Section}:FlushInterval", "must be positive and at most 00:00:10.");
        }
        if (options.MaxPrincipals < 1)
        {
            errors.Add($"{QuotaOptions.Section}:MaxPrincipals", "must be at least 1.");
        }
        if (options.Enabled)
        {
            CheckPrerequisites(options, errors);
        }
        return errors.ToResult();
    }

    private void CheckPrerequisites(QuotaOptions options, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(configuration["Gateway:Redis:Configuration"]))
        {
            errors.Add(QuotaOptions.Section, "budgets are shared by every instance in Redis: set Gateway:Redis:Configuration.");
        }
        if (!IdentityRegistration.Enabled(configuration))
        {
            errors.Add(QuotaOptions.Section, "budgets are per principal, which the identity stage names: Gateway:Identity:Enabled must not be false.");
        }
        else
        {
            // A misspelt role would leave its callers without the budget meant for them.
            var gatewayRoles = configuration.GetSection("Gateway:Identity:Issuers").GetChildren()
                .SelectMany(issuer => issuer.GetSection("RoleMap").GetChildren().Select(mapped => mapped.Value))
                .ToHashSet(StringComparer.Ordinal);
            foreach (var role in options.Roles.Keys.Where(role => !gatewayRoles.Contains(role)))
            {
                errors.Add($"{QuotaOptions.Section}:Roles:{role}", "is not a gateway role: no Gateway:Identity:Issuers:*:RoleMap maps to it.");
            }
        }
        var gatesRecords = AllBudgets(options).Any(b => b.Records is not null || b.ClearValues is not null);
        if (gatesRecords && string.IsNullOrWhiteSpace(configuration["Gateway:Audit:KeyFile"]))
        {
            errors.Add(QuotaOptions.Section, "records and clear-value budgets hold back records by their subject's keyed hash: set Gateway:Audit:KeyFile.");
        }
    }

    private static IEnumerable<QuotaBudgets> AllBudgets(QuotaOptions options) =>
        options.Roles.Values.Concat(options.Clients.Values).Concat(options.Default is { } fallback ? [fallback] : []);

    private static void CheckBudgets(string path, QuotaBudgets budgets, ValidationErrors errors)
    {
        if (budgets.Requests is null && budgets.Records is null && budgets.ClearValues is null)
        {
            errors.Add(path, "sets no budget: give Requests, Records or ClearValues, each with a Limit and a Window.");
        }
        CheckBudget($"{path}:Requests", budgets.Requests, errors);
        CheckBudget($"{path}:Records", budgets.Records, errors);
        CheckBudget($"{path}:ClearValues", budgets.ClearValues, errors);
    }

    private static void CheckBudget(string path, QuotaBudget? budget, ValidationErrors errors)
    {
        if (budget is null)
        {
            return;
        }
        if (budget.Limit < 1)
        {
            errors.Add($"{path}:Limit", "must be at least 1 (a role that may read nothing needs no quota: give it no access).");
        }
        if (budget.Window < MinWindow || budget.Window > MaxWindow)
        {
            errors.Add($"{path}:Window", "must be between 00:00:01 and 31.00:00:00.");
        }
    }
}
