using Gateway.Audit;
using Gateway.Identity;
using Gateway.Masking;
using Gateway.Purpose;

namespace Gateway;

/// <summary>
/// Says at every start which protections are off, so that a gap is never a surprise. Each
/// stage keeps its own event ID, so that alerting can tell them apart.
/// </summary>
internal sealed partial class DisabledStageWarnings(IConfiguration configuration, ILogger<DisabledStageWarnings> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!IdentityRegistration.Enabled(configuration))
        {
            LogIdentityOff(logger);
        }
        if (!IdentityRegistration.RevocationEnabled(configuration))
        {
            LogRevocationOff(logger);
        }
        if (!MaskingRegistration.Enabled(configuration))
        {
            LogMaskingOff(logger);
        }
        if (!AuditRegistration.Enabled(configuration))
        {
            LogAuditOff(logger);
        }
        if (!PurposeRegistration.Enabled(configuration))
        {
            LogPurposesOff(logger);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1531, Level = LogLevel.Warning, Message = "Identity is off (Gateway:Identity:Enabled=false): every caller is served without a token, as an anonymous caller with no role")]
    private static partial void LogIdentityOff(ILogger logger);

    [LoggerMessage(EventId = 1530, Level = LogLevel.Warning, Message = "Token revocation is off (no Gateway:Redis:Configuration, or Gateway:Identity:Revocation:Enabled=false): tokens stay valid until they expire")]
    private static partial void LogRevocationOff(ILogger logger);

    [LoggerMessage(EventId = 1611, Level = LogLevel.Warning, Message = "Masking is off (Gateway:Masking:Enabled=false): CRM responses leave unmasked and writes are not checked")]
    private static partial void LogMaskingOff(ILogger logger);

    [LoggerMessage(EventId = 1709, Level = LogLevel.Warning, Message = "Auditing is off (no Gateway:Redis:Configuration, or Gateway:Audit:Enabled=false): requests leave no audit trail, which is not compliant")]
    private static partial void LogAuditOff(ILogger logger);

    [LoggerMessage(EventId = 1810, Level = LogLevel.Warning, Message = "Purposes are off (no Gateway:Purposes:Catalog): requests need no purpose and no consent is checked")]
    private static partial void LogPurposesOff(ILogger logger);
}
