using Gateway.Audit;
using Gateway.Configuration;
using Gateway.Masking.Rules;
using Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace Gateway.Masking;

/// <summary>
/// The rules in force. The file is polled; a valid new version is used by every request that
/// starts after the swap; an invalid one is refused with all its errors logged, and the last good
/// rules stay. A single bad rule never silently drops out.
/// </summary>
internal sealed partial class RulesProvider : BackgroundService
{
    private readonly MaskingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RulesProvider> _logger;
    private readonly IAuditTrail _audit;
    private readonly GatewayMetrics _metrics;
    private readonly PolledFiles _files;
    private volatile CompiledRules _current;

    public RulesProvider(IOptions<MaskingOptions> options, IAuditTrail audit, GatewayMetrics metrics, TimeProvider time, ILogger<RulesProvider> logger)
    {
        _metrics = metrics;
        _options = options.Value;
        _audit = audit;
        _time = time;
        _logger = logger;
        _files = new PolledFiles([.. new[] { _options.RulesPath, _options.HashKeyFile }.OfType<string>()]);
        _current = RulesFiles.Load(_options.RulesPath!, _options.HashKeyFile);
        var limits = new MaskingLimits { MaxDepth = _options.MaxDepth, MaxValueBytes = _options.MaxValueBytes, MaxBodyBytes = _options.MaxBodyBytes };
        Masker = new JsonMasker(audit.KeepsEvents ? limits : limits with { MaxReportedSubjects = 0 });
        LogLoaded(_logger, _current.Version);
    }

    public CompiledRules Current => _current;

    public JsonMasker Masker { get; }

    public bool BlocksUnknownRoutes => _options.UnknownRoutes == "block";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _files.WatchAsync(_options.ReloadCheckInterval, _time, ReloadAsync, stoppingToken);

    private async ValueTask ReloadAsync()
    {
        var previous = _current.Version;
        try
        {
            var rules = RulesFiles.Load(_options.RulesPath!, _options.HashKeyFile);
            _current = rules;
            LogLoaded(_logger, rules.Version);
            _metrics.RulesReloaded(accepted: true);
            await _audit.RecordAsync(ReloadEvent(previous, rules.Version, []));
        }
        catch (RulesException ex)
        {
            var errors = ex.Errors.Select(e => e.ToString()).ToList();
            LogRefused(_logger, previous, errors.Count, string.Join(" | ", errors));
            _metrics.RulesReloaded(accepted: false);
            await _audit.RecordAsync(ReloadEvent(previous, null, errors));
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            LogRefused(_logger, previous, 1, ex.Message);
            _metrics.RulesReloaded(accepted: false);
            await _audit.RecordAsync(ReloadEvent(previous, null, [ex.Message]));
        }
    }

    private GatewayChangeEvent ReloadEvent(string previous, string? loaded, IReadOnlyList<string> errors) => new(_time.GetUtcNow())
    {
        Change = "masking_rules",
        Accepted = loaded is not null,
        ReasonCode = loaded is null ? "rules_invalid" : null,
        Message = loaded is null
            ? $"Masking rules file changed but was refused ({errors.Count} errors); rules {previous} stay in force."
            : $"Masking rules {loaded} in force (were {previous}).",
        Details = loaded is null
            ? new Dictionary<string, string> { ["rules_version"] = previous }
            : new Dictionary<string, string> { ["rules_version"] = loaded, ["previous_rules_version"] = previous },
        Errors = errors,
    };

    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "Masking rules {Version} in force")]
    private static partial void LogLoaded(ILogger logger, string version);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Error, Message = "Masking rules file changed but was refused; rules {Version} stay in force. {Count} errors: {Errors}")]
    private static partial void LogRefused(ILogger logger, string version, int count, string errors);
}
