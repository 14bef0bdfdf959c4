using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Audit;

/// <summary>Not ready while the audit trail cannot take events (spool unwritable or queue full): a fail-closed gateway refuses requests then.</summary>
internal sealed class AuditHealthCheck(IAuditTrail trail) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(trail.CanAccept
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Audit events can be neither spooled nor queued."));
}
