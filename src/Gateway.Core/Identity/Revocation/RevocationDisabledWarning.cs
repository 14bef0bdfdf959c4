using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Core.Identity.Revocation;

/// <summary>Says at every start when there is no kill switch, so its absence is never a surprise.</summary>
internal sealed partial class RevocationDisabledWarning(IConfiguration configuration, ILogger<RevocationDisabledWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!IdentityRegistration.RevocationEnabled(configuration))
        {
            LogDisabled(logger);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1530, Level = LogLevel.Warning, Message = "Token revocation is off (no Gateway:Redis:Configuration, or Gateway:Identity:Revocation:Enabled=false): tokens stay valid until they expire")]
    private static partial void LogDisabled(ILogger logger);
}
