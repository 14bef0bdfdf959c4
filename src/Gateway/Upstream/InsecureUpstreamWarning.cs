using Microsoft.Extensions.Options;

namespace Gateway.Upstream;

/// <summary>Says at every start that insecure upstreams are allowed, so the setting cannot be forgotten in production.</summary>
internal sealed partial class InsecureUpstreamWarning(IOptions<UpstreamOptions> options, ILogger<InsecureUpstreamWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.AllowInsecure)
        {
            LogInsecureAllowed(logger);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Gateway:Upstream:AllowInsecure is true: CRM destinations may be plain http://. This is for local development only; never run it in production")]
    private static partial void LogInsecureAllowed(ILogger logger);
}
