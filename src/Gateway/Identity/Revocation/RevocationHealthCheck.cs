using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Identity.Revocation;

/// <summary>Not ready until a fresh copy of the denylist is held: until then every request would get 503.</summary>
internal sealed class RevocationHealthCheck(RevocationList revocations) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(revocations.IsLoaded
            ? HealthCheckResult.Healthy("denylist loaded")
            : HealthCheckResult.Unhealthy("denylist not loaded or too old"));
}
