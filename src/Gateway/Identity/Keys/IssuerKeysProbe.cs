namespace Gateway.Identity.Keys;

/// <summary>
/// Asks every issuer's key source for its keys at start and every few seconds after, so that
/// readiness knows whether tokens can be validated before a request finds out, and turns healthy
/// again when an unreachable identity provider comes back, with or without traffic.
/// </summary>
internal sealed class IssuerKeysProbe(IssuerRegistry issuers, TimeProvider time) : BackgroundService
{
    /// <summary>A cached key set costs nothing to ask for; an unreachable provider is tried at most this often by the probe.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                foreach (var issuer in issuers.All)
                {
                    try
                    {
                        await issuer.Keys.GetKeysAsync(stoppingToken);
                    }
                    catch (KeysUnavailableException)
                    {
                        // The source keeps and logs why; readiness reads it.
                    }
                }
                await Task.Delay(Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
