using Gateway.Identity;
using Microsoft.Extensions.Options;

namespace Gateway.Quota;

/// <summary>Which budgets apply to a caller: its client's, else its roles', else the default, kind by kind.</summary>
internal sealed class QuotaPolicy(IOptions<QuotaOptions> options)
{
    private readonly QuotaOptions _options = options.Value;

    public QuotaLimits For(GatewayIdentity identity)
    {
        var client = identity.ClientId is { } id ? _options.Clients.GetValueOrDefault(id) : null;
        return new QuotaLimits(
            client?.Requests ?? FromRoles(identity.Roles, static b => b.Requests) ?? _options.Default?.Requests,
            client?.Records ?? FromRoles(identity.Roles, static b => b.Records) ?? _options.Default?.Records,
            client?.ClearValues ?? FromRoles(identity.Roles, static b => b.ClearValues) ?? _options.Default?.ClearValues);
    }

    /// <summary>The most generous (largest limit per time) of the caller's listed roles' budgets of one kind.</summary>
    private QuotaBudget? FromRoles(IReadOnlySet<string> roles, Func<QuotaBudgets, QuotaBudget?> kind)
    {
        QuotaBudget? best = null;
        foreach (var role in roles)
        {
            if (_options.Roles.TryGetValue(role, out var budgets) && kind(budgets) is { } budget
                && (best is null || Rate(budget) > Rate(best)))
            {
                best = budget;
            }
        }
        return best;
    }

    private static double Rate(QuotaBudget budget) => budget.Limit / budget.Window.TotalMilliseconds;
}

/// <summary>The budgets of one request's caller; a null kind is not limited.</summary>
internal readonly record struct QuotaLimits(QuotaBudget? Requests, QuotaBudget? Records, QuotaBudget? ClearValues)
{
    public bool Any => Requests is not null || Records is not null || ClearValues is not null;

    /// <summary>The response's records must pass a gate that counts them and holds back those past the budget.</summary>
    public bool GatesRecords => Records is not null || ClearValues is not null;
}
