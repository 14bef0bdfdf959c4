using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using Gateway.ControlPlane;
using Gateway.Transport;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Gateway.Identity.Keys;

/// <summary>
/// Keys from OIDC discovery, refreshed by <see cref="ConfigurationManager{T}"/> on a timer and
/// when a token names an unknown key (rate-limited), so IdP key rotation needs no restart.
/// Whether keys can be had is kept, for readiness, and logged once each time it changes, with the
/// authority and the cause, rather than per refused request.
/// </summary>
internal sealed partial class DiscoveryKeySource : IssuerKeySource
{
    /// <summary>Before the first attempt has ended.</summary>
    private const string NotFetchedYet = "not fetched yet";

    private readonly ConfigurationManager<OpenIdConnectConfiguration> _configuration;
    private readonly HttpClient _http;
    private readonly string _issuer;
    private readonly string _name;
    private readonly string _authority;
    private readonly ILogger _logger;
    private readonly Lock _stateChange = new();
    private volatile Published? _published;
    private volatile string? _unavailable = NotFetchedYet;

    public DiscoveryKeySource(IssuerOptions options, ILogger logger)
    {
        _issuer = options.Issuer;
        _name = options.Name;
        _authority = options.Authority!;
        _logger = logger;
        _http = CreateHttpClient(options.TrustedCaPath);
        var metadata = $"{options.Authority!.TrimEnd('/')}/.well-known/openid-configuration";
        _configuration = new ConfigurationManager<OpenIdConnectConfiguration>(
            metadata,
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(_http) { RequireHttps = true })
        {
            AutomaticRefreshInterval = options.KeyAutomaticRefreshInterval,
            RefreshInterval = options.KeyRefreshInterval,
        };
    }

    public override string? Unavailable => _unavailable;

    public override async ValueTask<PublishedKeys> GetKeysAsync(CancellationToken cancellationToken)
    {
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await _configuration.GetConfigurationAsync(cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            Failed(Cause(ex));
            throw new KeysUnavailableException("OIDC discovery of the issuer failed.", ex);
        }
        if (!string.Equals(configuration.Issuer, _issuer, StringComparison.Ordinal))
        {
            Failed("the discovery document names another issuer");
            throw new KeysUnavailableException("The discovery document names another issuer; its keys are not used.");
        }
        var published = _published;
        if (!ReferenceEquals(published?.Source, configuration))
        {
            published = new Published(configuration, new PublishedKeys(configuration.SigningKeys.ToList()));
            _published = published;
        }
        Succeeded();
        return published!.Keys;
    }

    public override void RequestRefresh() => _configuration.RequestRefresh();

    public override void Dispose() => _http.Dispose();

    /// <summary>
    /// What an operator needs from a failed discovery: the kind of failure (DNS, refused, TLS, an
    /// HTTP status, a document that is not discovery JSON), not the library's message, which can
    /// quote the response body.
    /// </summary>
    internal static string Cause(Exception exception)
    {
        var causes = new List<Exception>();
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            causes.Add(cause);
        }
        if (causes.OfType<SocketException>().FirstOrDefault() is { } socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "DNS failure: the host name does not resolve",
                SocketError.TimedOut => "connection timed out",
                _ => $"network error ({socket.SocketErrorCode})",
            };
        }
        if (causes.OfType<HttpRequestException>().FirstOrDefault(h => h.HttpRequestError == HttpRequestError.NameResolutionError) is not null)
        {
            return "DNS failure: the host name does not resolve";
        }
        if (causes.OfType<AuthenticationException>().FirstOrDefault() is { } tls)
        {
            return $"TLS failure: {tls.Message.TrimEnd('.')} (TrustedCaPath names the CAs its certificate may chain to)";
        }
        if (causes.FirstOrDefault(c => c.Data[HttpDocumentRetriever.StatusCode] is HttpStatusCode) is { } status)
        {
            return $"HTTP status {(int)(HttpStatusCode)status.Data[HttpDocumentRetriever.StatusCode]!}";
        }
        if (causes.Any(c => c is TaskCanceledException or TimeoutException))
        {
            return "no answer within 10 s";
        }
        if (causes.Any(c => c is JsonException or ArgumentException or FormatException))
        {
            return "the document is not valid discovery or JWKS JSON";
        }
        return causes[^1].GetType().Name;
    }

    private void Failed(string cause)
    {
        lock (_stateChange)
        {
            var was = _unavailable;
            _unavailable = cause;
            if (was is null || ReferenceEquals(was, NotFetchedYet))
            {
                LogKeysUnavailable(_logger, _name, _authority, cause);
            }
        }
    }

    private void Succeeded()
    {
        if (_unavailable is null)
        {
            return;
        }
        lock (_stateChange)
        {
            var was = _unavailable;
            _unavailable = null;
            if (was is not null && !ReferenceEquals(was, NotFetchedYet))
            {
                LogKeysAvailable(_logger, _name, _authority);
            }
        }
    }

    private static HttpClient CreateHttpClient(string? trustedCaPath)
    {
        var handler = new SocketsHttpHandler { SslOptions = { EnabledSslProtocols = KestrelListenerSetup.AllowedProtocols } };
        if (trustedCaPath is not null)
        {
            handler.SslOptions.CertificateChainPolicy = CustomTrust.FromPemFile(trustedCaPath);
        }
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    [LoggerMessage(EventId = 1512, Level = LogLevel.Warning, Message = "Signing keys of issuer {Issuer} cannot be had from {Authority}: {Cause}. Its tokens are refused (503, keys_unavailable) and /readyz reports it until they can")]
    private static partial void LogKeysUnavailable(ILogger logger, string issuer, string authority, string cause);

    [LoggerMessage(EventId = 1513, Level = LogLevel.Information, Message = "Signing keys of issuer {Issuer} fetched from {Authority} again")]
    private static partial void LogKeysAvailable(ILogger logger, string issuer, string authority);

    /// <summary>The key set computed for one discovery document, so its ids are built once per refresh, not per request.</summary>
    private sealed record Published(OpenIdConnectConfiguration Source, PublishedKeys Keys);
}
