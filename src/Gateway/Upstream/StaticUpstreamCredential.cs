using Gateway.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Gateway.Upstream;

/// <summary>
/// Kind static: the complete header value, read from a file or an environment variable. A rotated
/// file takes effect without a restart (and at once when the CRM refuses the value in use); an
/// unreadable or empty one keeps the previous value. The value is never logged.
/// </summary>
internal sealed partial class StaticUpstreamCredential : UpstreamCredentialSource
{
    private readonly UpstreamCredentialOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<StaticUpstreamCredential> _logger;
    private readonly PolledFiles? _file;
    private UpstreamAuthorization _current;

    public StaticUpstreamCredential(IOptions<UpstreamOptions> options, TimeProvider time, ILogger<StaticUpstreamCredential> logger)
    {
        _options = options.Value.Credential;
        _time = time;
        _logger = logger;
        _file = _options.ValueFile is { } path ? new PolledFiles(path) : null;
        _current = new UpstreamAuthorization(_options.Header, Read(_options));
    }

    public override ValueTask<UpstreamAuthorization> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Volatile.Read(ref _current));

    /// <summary>A file rotated since the last poll is read now: the CRM may have refused the value it replaced.</summary>
    public override ValueTask<UpstreamAuthorization> RenewAsync(UpstreamAuthorization rejected, CancellationToken cancellationToken)
    {
        if (_file is not null && Volatile.Read(ref _current).SameValueAs(rejected))
        {
            Reload();
        }
        return GetAsync(cancellationToken);
    }

    public override ValueTask<HealthCheckResult> CheckAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(HealthCheckResult.Healthy(_file is null ? "static credential from the environment" : "static credential from a file"));

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _file?.WatchAsync(_options.ReloadCheckInterval, _time, () =>
        {
            Reload();
            return ValueTask.CompletedTask;
        }, stoppingToken) ?? Task.CompletedTask;

    private void Reload()
    {
        try
        {
            var value = Read(_options);
            if (!string.Equals(value, Volatile.Read(ref _current).HeaderValue, StringComparison.Ordinal))
            {
                Volatile.Write(ref _current, new UpstreamAuthorization(_options.Header, value));
                LogRotated(_logger);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            LogReloadFailed(_logger, ex.Message);
        }
    }

    private static string Read(UpstreamCredentialOptions options)
    {
        var (source, raw) = options.ValueFile is { } file
            ? ($"file '{file}'", File.ReadAllText(file))
            : ($"environment variable '{options.ValueEnvironmentVariable}'", Environment.GetEnvironmentVariable(options.ValueEnvironmentVariable!) ?? string.Empty);
        var value = raw.Trim();
        if (value.Length == 0)
        {
            throw new InvalidOperationException($"Gateway:Upstream:Credential: {source} is empty.");
        }
        if (value.Any(char.IsControl))
        {
            throw new InvalidOperationException($"Gateway:Upstream:Credential: {source} holds control characters or several lines; it must hold one header value.");
        }
        return value;
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "CRM credential file changed; the new credential is in use")]
    private static partial void LogRotated(ILogger logger);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "CRM credential file changed but could not be used; the previous credential stays in use: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string reason);
}
