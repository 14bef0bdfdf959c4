using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Core.Audit;

/// <summary>Says at every start when nothing is audited, so the gap is never a surprise.</summary>
internal sealed partial class AuditDisabledWarning(IConfiguration configuration, ILogger<AuditDisabledWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!AuditRegistration.Enabled(configuration))
        {
            LogDisabled(logger);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1709, Level = LogLevel.Warning, Message = "Auditing is off (no Gateway:Redis:Configuration, or Gateway:Audit:Enabled=false): requests leave no audit trail, which is not compliant")]
    private static partial void LogDisabled(ILogger logger);
}
