using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Upstream;

/// <summary>
/// The CRM credential, read from a file or an environment variable. A rotated file takes
/// effect without a restart; an unreadable or empty one keeps the previous value.
/// The value is never logged.
/// </summary>
internal sealed partial class UpstreamCredential : BackgroundService
{
    private readonly UpstreamCredentialOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<UpstreamCredential> _logger;
    private readonly PolledFiles? _file;
    private string _value;

    public UpstreamCredential(IOptions<UpstreamOptions> options, TimeProvider time, ILogger<UpstreamCredential> logger)
    {
        _options = options.Value.Credential;
        _time = time;
        _logger = logger;
        _file = _options.ValueFile is { } path ? new PolledFiles(path) : null;
        _value = Read(_options);
    }

    public string HeaderName => _options.Header;

    public string Value => Volatile.Read(ref _value);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _file?.WatchAsync(_options.ReloadCheckInterval, _time, ReloadAsync, stoppingToken) ?? Task.CompletedTask;

    private ValueTask ReloadAsync()
    {
        try
        {
            Volatile.Write(ref _value, Read(_options));
            LogRotated(_logger);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            LogReloadFailed(_logger, ex.Message);
        }
        return ValueTask.CompletedTask;
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
