using Gateway.Configuration;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Identity.Keys;

/// <summary>
/// Keys from a JWKS file (air-gapped sites). The file is checked for changes at most once a
/// second, on use; a file that does not parse keeps the previous keys.
/// </summary>
internal sealed partial class JwksFileKeySource : IssuerKeySource
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PolledFiles _file;
    private readonly Lock _reload = new();
    private volatile PublishedKeys _keys;
    private long _nextCheck;

    public JwksFileKeySource(string path, TimeProvider time, ILogger logger)
    {
        _path = path;
        _time = time;
        _logger = logger;
        _file = new PolledFiles(path);
        _keys = Load(path);
    }

    public override ValueTask<PublishedKeys> GetKeysAsync(CancellationToken cancellationToken)
    {
        ReloadIfChanged();
        return ValueTask.FromResult(_keys);
    }

    public override void RequestRefresh() => ReloadIfChanged();

    private void ReloadIfChanged()
    {
        var now = _time.GetTimestamp();
        if (now < Interlocked.Read(ref _nextCheck))
        {
            return;
        }
        lock (_reload)
        {
            if (now < _nextCheck)
            {
                return;
            }
            _nextCheck = now + (long)(CheckInterval.TotalSeconds * _time.TimestampFrequency);
            if (!_file.HasChanged())
            {
                return;
            }
            try
            {
                _keys = Load(_path);
                LogReloaded(_logger, _path, _keys.Ids.Count);
            }
            catch (KeysUnavailableException ex)
            {
                LogReloadFailed(_logger, _path, ex.Message);
            }
        }
    }

    private static PublishedKeys Load(string path)
    {
        try
        {
            var keys = new JsonWebKeySet(File.ReadAllText(path)).GetSigningKeys();
            if (keys.Count == 0)
            {
                throw new KeysUnavailableException($"'{path}' holds no usable signing key.");
            }
            return new PublishedKeys(keys.ToList());
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            throw new KeysUnavailableException($"'{path}' cannot be read as a JWKS: {ex.Message}", ex);
        }
    }

    [LoggerMessage(EventId = 1510, Level = LogLevel.Information, Message = "JWKS file {Path} reloaded: {Count} signing keys")]
    private static partial void LogReloaded(ILogger logger, string path, int count);

    [LoggerMessage(EventId = 1511, Level = LogLevel.Warning, Message = "JWKS file {Path} changed but cannot be used; the previous keys stay in use: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string path, string reason);
}
