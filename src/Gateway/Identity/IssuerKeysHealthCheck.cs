using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Identity;

/// <summary>
/// Not ready while no issuer's signing keys can be had: every token would be refused with 503.
/// Degraded (still ready) while only some issuers' keys are missing: the other issuers' callers are
/// served, and taking every instance out of rotation would refuse them too. The description names
/// each issuer without keys and the cause, never a secret.
/// </summary>
internal sealed class IssuerKeysHealthCheck(IssuerRegistry issuers) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var all = issuers.All.ToList();
        var missing = all.Where(i => i.Keys.Unavailable is not null).Select(i => $"issuer {i.Options.Name}: no signing keys ({i.Keys.Unavailable})").ToList();
        if (missing.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"signing keys held for {all.Count} {(all.Count == 1 ? "issuer" : "issuers")}"));
        }
        var description = string.Join("; ", missing);
        return Task.FromResult(missing.Count == all.Count ? HealthCheckResult.Unhealthy(description) : HealthCheckResult.Degraded(description));
    }
}
