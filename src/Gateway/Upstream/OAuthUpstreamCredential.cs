using Gateway.Configuration;
using Gateway.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Gateway.Upstream;

/// <summary>
/// Kinds client_credentials and jwt_bearer: the gateway's own CRM access token, obtained from the
/// token endpoint and cached. One token request at a time (single flight): requests without a
/// valid token wait for it; once a token is within its refresh margin, the first request starts
/// the next request and every request keeps using the still-valid token meanwhile. A failed
/// request keeps serving the valid token until it expires; without one, requests are refused
/// with 503 until <c>RetryAfterFailure</c> has passed, and the next request tries again. A 401
/// from the CRM drops the token and renews it once (at most once per <c>RetryAfterFailure</c>).
/// Secret files are re-read when they change. No token or secret is ever logged.
/// </summary>
internal sealed partial class OAuthUpstreamCredential : UpstreamCredentialSource
{
    private readonly UpstreamCredentialOptions _options;
    private readonly bool _allowInsecure;
    private readonly TimeProvider _time;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<OAuthUpstreamCredential> _logger;
    private readonly TokenEndpointClient _endpoint;
    private readonly PolledFiles _secretFiles;
    private readonly CancellationTokenSource _stopping = new();
    // Kept apart from its source: a token request still running while the host disposes the source sees it cancelled.
    private readonly CancellationToken _stoppingToken;
    private readonly Lock _gate = new();
    private TokenRequestSecrets _secrets;

    // Guarded by _gate.
    private AccessToken? _token;
    private Task<TokenOutcome>? _requesting;
    private TokenFailure? _lastFailure;
    private DateTimeOffset _nextAttemptAt;
    private DateTimeOffset _renewedAt = DateTimeOffset.MinValue;
    private int _disposed;

    public OAuthUpstreamCredential(IOptions<UpstreamOptions> options, TimeProvider time, GatewayMetrics metrics, ILogger<OAuthUpstreamCredential> logger)
    {
        _options = options.Value.Credential;
        _allowInsecure = options.Value.AllowInsecure;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _secrets = TokenRequestSecrets.Load(_options);
        _secretFiles = new PolledFiles(TokenRequestSecrets.Files(_options));
        _endpoint = new TokenEndpointClient(_options, time);
        _stoppingToken = _stopping.Token;
    }

    public override async ValueTask<UpstreamAuthorization> GetAsync(CancellationToken cancellationToken)
    {
        Task<TokenOutcome> pending;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_token is { } token && now < token.ExpiresAt)
            {
                if (now >= token.RefreshAt)
                {
                    StartRequest(TokenTrigger.Expiring, now);
                }
                return token.Authorization;
            }
            pending = StartRequest(_token is null ? TokenTrigger.Missing : TokenTrigger.Expired, now) ?? throw Unavailable(now);
        }
        return await AuthorizationAsync(pending, cancellationToken);
    }

    public override async ValueTask<UpstreamAuthorization> RenewAsync(UpstreamAuthorization rejected, CancellationToken cancellationToken)
    {
        Task<TokenOutcome> pending;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_token is { } token && now < token.ExpiresAt && !token.Authorization.SameValueAs(rejected))
            {
                // Another request renewed it already.
                return token.Authorization;
            }
            if (_requesting is { } requesting)
            {
                pending = requesting;
            }
            else if (now < _renewedAt + _options.RetryAfterFailure)
            {
                // Renewed moments ago and refused again: asking once more would only load the token endpoint.
                return rejected;
            }
            else
            {
                _token = null;
                _renewedAt = now;
                pending = StartRequest(TokenTrigger.Rejected, now) ?? throw Unavailable(now);
            }
        }
        return await AuthorizationAsync(pending, cancellationToken);
    }

    public override async ValueTask<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await GetAsync(cancellationToken);
        }
        catch (UpstreamCredentialException ex)
        {
            lock (_gate)
            {
                return HealthCheckResult.Unhealthy($"no CRM access token ({ex.Code}: {_lastFailure?.Class ?? "none yet"})");
            }
        }
        lock (_gate)
        {
            return _token is { } token
                ? HealthCheckResult.Healthy($"CRM access token valid until {token.ExpiresAt:u}")
                : HealthCheckResult.Unhealthy("no CRM access token");
        }
    }

    /// <summary>Idempotent: the container disposes this both as the credential source and as a hosted service.</summary>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stopping.Cancel();
        base.Dispose();
        _endpoint.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Asks for the first token at once, so the first request need not wait; then watches the secret files.</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        lock (_gate)
        {
            StartRequest(TokenTrigger.Start, _time.GetUtcNow());
        }
        return _secretFiles.WatchAsync(_options.ReloadCheckInterval, _time, ReloadSecretsAsync, stoppingToken);
    }

    private ValueTask ReloadSecretsAsync()
    {
        try
        {
            Volatile.Write(ref _secrets, TokenRequestSecrets.Load(_options));
            lock (_gate)
            {
                // A corrected secret is worth trying at once rather than after the wait a failure imposed.
                _nextAttemptAt = DateTimeOffset.MinValue;
            }
            LogSecretsRotated(_logger);
        }
        catch (InvalidOperationException ex)
        {
            LogSecretsReloadFailed(_logger, ex.Message);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>The request in flight, or a new one; null while waiting after a failure. Called under <see cref="_gate"/>.</summary>
    private Task<TokenOutcome>? StartRequest(string trigger, DateTimeOffset now)
    {
        if (_requesting is null && now >= _nextAttemptAt)
        {
            // Task.Run: the request must never complete inline, under the lock that publishes it.
            _requesting = Task.Run(() => RequestTokenAsync(trigger));
        }
        return _requesting;
    }

    private async Task<TokenOutcome> RequestTokenAsync(string trigger)
    {
        // Whatever happens, the request in flight is released: a request left in flight would keep
        // every later one waiting on it, and the gateway would never ask again.
        var outcome = TokenOutcome.Failed(TokenFailure.EndpointFailed("the token request failed unexpectedly"));
        try
        {
            outcome = await ObtainAsync();
        }
        finally
        {
            Complete(trigger, outcome);
        }
        return outcome;
    }

    private async Task<TokenOutcome> ObtainAsync()
    {
        var requestedAt = _time.GetUtcNow();
        using var timeout = new CancellationTokenSource(_options.TokenRequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stoppingToken);
        try
        {
            using var response = await _endpoint.RequestAsync(Volatile.Read(ref _secrets), linked.Token);
            return TokenResponseReader.Read(response, _options, _allowInsecure, requestedAt);
        }
        catch (OperationCanceledException) when (_stoppingToken.IsCancellationRequested)
        {
            return TokenOutcome.Failed(TokenFailure.EndpointFailed("the gateway is stopping"));
        }
        catch (OperationCanceledException)
        {
            return TokenOutcome.Failed(TokenFailure.EndpointFailed($"no answer within {_options.TokenRequestTimeout.TotalSeconds:0.###} s"));
        }
    }

    private void Complete(string trigger, TokenOutcome outcome)
    {
        var now = _time.GetUtcNow();
        bool holdsValidToken;
        lock (_gate)
        {
            _requesting = null;
            if (outcome.Token is { } token)
            {
                _token = token;
                _lastFailure = null;
                _nextAttemptAt = DateTimeOffset.MinValue;
            }
            else
            {
                _lastFailure = outcome.Failure;
                _nextAttemptAt = now + _options.RetryAfterFailure;
            }
            holdsValidToken = _token is { } current && now < current.ExpiresAt;
        }
        if (outcome.Token is { } issued)
        {
            _metrics.UpstreamTokenRequested(trigger, "issued");
            LogIssued(_logger, trigger, issued.ExpiresAt);
        }
        else
        {
            var failure = outcome.Failure!;
            _metrics.UpstreamTokenRequested(trigger, failure.Code == UpstreamCredentialException.TokenInvalid ? "invalid" : "endpoint_failed");
            LogFailed(_logger, trigger, failure.Class, failure.Code, holdsValidToken ? "the current token stays in use until it expires" : "requests are refused until a token is issued");
        }
    }

    private static async ValueTask<UpstreamAuthorization> AuthorizationAsync(Task<TokenOutcome> pending, CancellationToken cancellationToken)
    {
        var outcome = await pending.WaitAsync(cancellationToken);
        return outcome.Token?.Authorization ?? throw outcome.Failure!.ToException();
    }

    private UpstreamCredentialException Unavailable(DateTimeOffset now)
    {
        var wait = _nextAttemptAt - now;
        return new UpstreamCredentialException(
            StatusCodes.Status503ServiceUnavailable,
            UpstreamCredentialException.TokenUnavailable,
            "The gateway holds no valid CRM access token; it asks the authorization server again shortly.",
            wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
    }

    [LoggerMessage(EventId = 1320, Level = LogLevel.Information, Message = "CRM access token issued ({Trigger}); valid until {ExpiresAt:u}")]
    private static partial void LogIssued(ILogger logger, string trigger, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 1321, Level = LogLevel.Warning, Message = "CRM access token request failed ({Trigger}): {FailureClass}; {Code}, and {Consequence}")]
    private static partial void LogFailed(ILogger logger, string trigger, string failureClass, string code, string consequence);

    [LoggerMessage(EventId = 1324, Level = LogLevel.Information, Message = "CRM client secret or key files changed; the new ones sign the next token request")]
    private static partial void LogSecretsRotated(ILogger logger);

    [LoggerMessage(EventId = 1325, Level = LogLevel.Warning, Message = "CRM client secret or key files changed but could not be used; the previous ones stay in use: {Reason}")]
    private static partial void LogSecretsReloadFailed(ILogger logger, string reason);
}

/// <summary>Why a token request was made: the <c>trigger</c> tag of <c>gateway.upstream.token.requests</c>.</summary>
internal static class TokenTrigger
{
    public const string Start = "start";
    public const string Missing = "missing";
    public const string Expiring = "expiring";
    public const string Expired = "expired";
    public const string Rejected = "rejected";
}
