using System.Security.Cryptography.X509Certificates;
using Gateway.Configuration;
using Gateway.Transport;
using Microsoft.Extensions.Options;

namespace Gateway.Upstream;

/// <summary>
/// The certificate the gateway presents when the CRM asks for one (mutual TLS), from
/// <c>Gateway:Upstream:ClientCertificate</c>. A renewed one is used for every new connection
/// once its files change; files that cannot be loaded keep the previous certificate.
/// </summary>
internal sealed partial class UpstreamClientCertificate : BackgroundService
{
    public const string Section = "Gateway:Upstream:ClientCertificate";

    private readonly CertificateOptions? _options;
    private readonly TimeProvider _time;
    private readonly ILogger<UpstreamClientCertificate> _logger;
    private readonly PolledFiles? _files;
    private X509Certificate2? _current;

    public UpstreamClientCertificate(IOptions<UpstreamOptions> options, TimeProvider time, ILogger<UpstreamClientCertificate> logger)
    {
        _options = options.Value.ClientCertificate;
        _time = time;
        _logger = logger;
        if (_options is not null)
        {
            _files = new PolledFiles([.. new[] { _options.Path, _options.KeyPath }.OfType<string>()]);
            _current = CertificateFiles.Load(_options, Section);
            LogLoaded(_logger, _current.Subject, _current.Thumbprint, _current.NotAfter);
        }
    }

    /// <summary>The certificate to present, or null when none is configured.</summary>
    public X509Certificate2? Current => Volatile.Read(ref _current);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _files?.WatchAsync(_options!.ReloadCheckInterval, _time, ReloadAsync, stoppingToken) ?? Task.CompletedTask;

    private ValueTask ReloadAsync()
    {
        try
        {
            var renewed = CertificateFiles.Load(_options!, Section);
            Volatile.Write(ref _current, renewed);
            LogLoaded(_logger, renewed.Subject, renewed.Thumbprint, renewed.NotAfter);
        }
        catch (InvalidOperationException ex)
        {
            LogReloadFailed(_logger, ex.Message);
        }
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 1330, Level = LogLevel.Information, Message = "Client certificate for the CRM loaded: {Subject} ({Thumbprint}), valid until {NotAfter:u}")]
    private static partial void LogLoaded(ILogger logger, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 1331, Level = LogLevel.Warning, Message = "Client certificate files for the CRM changed but could not be loaded; the previous certificate stays in use: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string reason);
}
