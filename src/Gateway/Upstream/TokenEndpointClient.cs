using System.Security.Claims;
using System.Security.Cryptography;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Gateway.ControlPlane;
using Gateway.Transport;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Upstream;

/// <summary>
/// Sends one token request of the configured kind (Duende.IdentityModel builds the form and the
/// client authentication): client credentials with a secret or a signed client assertion, or a
/// JWT bearer grant with an assertion signed for the subject. Redirects are never followed, and a
/// response larger than <see cref="MaxResponseBytes"/> is refused.
/// </summary>
internal sealed class TokenEndpointClient : IDisposable
{
    public const int MaxResponseBytes = 64 * 1024;

    private readonly UpstreamCredentialOptions _options;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly JsonWebTokenHandler _assertions = new() { SetDefaultTimesOnTokenCreation = false };

    public TokenEndpointClient(UpstreamCredentialOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        var handler = new SocketsHttpHandler
        {
            // The request carries the client's secret or assertion: it goes to the configured endpoint only.
            AllowAutoRedirect = false,
            // As YARP's client to the CRM: no proxy from the environment.
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            SslOptions = { EnabledSslProtocols = KestrelListenerSetup.AllowedProtocols },
        };
        if (options.TrustedCaPath is { } path)
        {
            handler.SslOptions.CertificateChainPolicy = CustomTrust.FromPemFile(path);
        }
        _http = new HttpClient(handler) { MaxResponseContentBufferSize = MaxResponseBytes, Timeout = Timeout.InfiniteTimeSpan };
    }

    public Task<TokenResponse> RequestAsync(TokenRequestSecrets secrets, CancellationToken cancellationToken) =>
        _options.Kind == CredentialKinds.JwtBearer ? JwtBearerAsync(secrets, cancellationToken) : ClientCredentialsAsync(secrets, cancellationToken);

    public void Dispose()
    {
        _http.Dispose();
    }

    private Task<TokenResponse> JwtBearerAsync(TokenRequestSecrets secrets, CancellationToken cancellationToken)
    {
        // RFC 7523 section 2.1: the client is the assertion's issuer, so no client_id or secret is sent.
        var request = new TokenRequest
        {
            Address = _options.TokenEndpoint,
            GrantType = OidcConstants.GrantTypes.JwtBearer,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
        };
        request.Parameters.AddRequired(OidcConstants.TokenRequest.Assertion, Assertion(secrets, _options.Subject!, _options.Audience!));
        request.Parameters.AddOptional(OidcConstants.TokenRequest.Scope, _options.Scope);
        return _http.RequestTokenAsync(request, cancellationToken);
    }

    private Task<TokenResponse> ClientCredentialsAsync(TokenRequestSecrets secrets, CancellationToken cancellationToken)
    {
        var request = new ClientCredentialsTokenRequest
        {
            Address = _options.TokenEndpoint,
            ClientId = _options.ClientId!,
            Scope = _options.Scope,
            ClientCredentialStyle = _options.ClientAuthentication == ClientAuthentications.SecretBasic
                ? ClientCredentialStyle.AuthorizationHeader
                : ClientCredentialStyle.PostBody,
        };
        if (_options.Resource is { } resource)
        {
            request.Resource.Add(resource);
        }
        if (_options.ClientAuthentication == ClientAuthentications.PrivateKeyJwt)
        {
            // RFC 7523 section 3 / OpenID Connect private_key_jwt: issuer and subject are the client.
            request.ClientAssertion = new ClientAssertion
            {
                Type = OidcConstants.ClientAssertionTypes.JwtBearer,
                Value = Assertion(secrets, _options.ClientId!, _options.Audience ?? _options.TokenEndpoint!),
            };
        }
        else
        {
            request.ClientSecret = secrets.ClientSecret;
        }
        return _http.RequestClientCredentialsTokenAsync(request, cancellationToken);
    }

    private string Assertion(TokenRequestSecrets secrets, string subject, string audience)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return _assertions.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.ClientId,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, subject)]),
            Claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Jti] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) },
            IssuedAt = now,
            NotBefore = now,
            Expires = now + _options.AssertionLifetime,
            SigningCredentials = secrets.Signing ?? throw new InvalidOperationException("No signing key is loaded."),
        });
    }
}
