using System.Security.Cryptography.X509Certificates;
using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Transport;

/// <summary>
/// Holds the certificate Kestrel presents, and swaps in a renewed one when its files change.
/// A file that cannot be loaded (half-written, wrong key) keeps the previous certificate.
/// </summary>
internal sealed partial class ServerCertificateStore : BackgroundService
{
    private readonly CertificateOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ServerCertificateStore> _logger;
    private readonly PolledFiles _files;
    private X509Certificate2 _current;

    public ServerCertificateStore(IOptions<TransportOptions> options, TimeProvider time, ILogger<ServerCertificateStore> logger)
    {
        _options = options.Value.Certificate;
        _time = time;
        _logger = logger;
        _files = new PolledFiles([.. new[] { _options.Path, _options.KeyPath }.OfType<string>()]);
        _current = CertificateFiles.LoadServerCertificate(_options);
        LogLoaded(_logger, _current.Subject, _current.Thumbprint, _current.NotAfter);
    }

    public X509Certificate2 Current => Volatile.Read(ref _current);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _files.WatchAsync(_options.ReloadCheckInterval, _time, ReloadAsync, stoppingToken);

    private ValueTask ReloadAsync()
    {
        try
        {
            var renewed = CertificateFiles.LoadServerCertificate(_options);
            Volatile.Write(ref _current, renewed);
            LogLoaded(_logger, renewed.Subject, renewed.Thumbprint, renewed.NotAfter);
        }
        catch (InvalidOperationException ex)
        {
            LogReloadFailed(_logger, ex.Message);
        }
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "TLS certificate loaded: {Subject} ({Thumbprint}), valid until {NotAfter:u}")]
    private static partial void LogLoaded(ILogger logger, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "TLS certificate files changed but could not be loaded; the previous certificate stays in use: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string reason);
}
