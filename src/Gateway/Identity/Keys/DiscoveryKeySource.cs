using Gateway.ControlPlane;
using Gateway.Transport;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Gateway.Identity.Keys;

/// <summary>
/// Keys from OIDC discovery, refreshed by <see cref="ConfigurationManager{T}"/> on a timer and
/// when a token names an unknown key (rate-limited), so IdP key rotation needs no restart.
/// </summary>
internal sealed class DiscoveryKeySource : IssuerKeySource
{
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _configuration;
    private readonly HttpClient _http;
    private readonly string _issuer;
    private volatile Published? _published;

    public DiscoveryKeySource(IssuerOptions options)
    {
        _issuer = options.Issuer;
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

    public override async ValueTask<PublishedKeys> GetKeysAsync(CancellationToken cancellationToken)
    {
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await _configuration.GetConfigurationAsync(cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            throw new KeysUnavailableException("OIDC discovery of the issuer failed.", ex);
        }
        if (!string.Equals(configuration.Issuer, _issuer, StringComparison.Ordinal))
        {
            throw new KeysUnavailableException("The discovery document names another issuer; its keys are not used.");
        }
        var published = _published;
        if (!ReferenceEquals(published?.Source, configuration))
        {
            published = new Published(configuration, new PublishedKeys(configuration.SigningKeys.ToList()));
            _published = published;
        }
        return published!.Keys;
    }

    public override void RequestRefresh() => _configuration.RequestRefresh();

    public override void Dispose() => _http.Dispose();

    private static HttpClient CreateHttpClient(string? trustedCaPath)
    {
        var handler = new SocketsHttpHandler { SslOptions = { EnabledSslProtocols = KestrelListenerSetup.AllowedProtocols } };
        if (trustedCaPath is not null)
        {
            handler.SslOptions.CertificateChainPolicy = CustomTrust.FromPemFile(trustedCaPath);
        }
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The key set computed for one discovery document, so its ids are built once per refresh, not per request.</summary>
    private sealed record Published(OpenIdConnectConfiguration Source, PublishedKeys Keys);
}
