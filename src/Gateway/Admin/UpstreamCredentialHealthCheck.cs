using Gateway.Upstream;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Admin;

/// <summary>Ready only while the gateway can send the CRM a credential: for OAuth kinds, a valid access token is held or can be had now.</summary>
internal sealed class UpstreamCredentialHealthCheck(UpstreamCredentialSource credential) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        credential.CheckAsync(cancellationToken).AsTask();
}
