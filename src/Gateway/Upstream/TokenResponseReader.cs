using System.Globalization;
using System.Net;
using System.Text.Json;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;

namespace Gateway.Upstream;

/// <summary>
/// Judges a token endpoint's answer strictly: only a JSON object with a string
/// <c>access_token</c> of visible ASCII, a <c>token_type</c> of Bearer (or none), an
/// <c>expires_in</c> that is a positive whole number (a JSON number, or a string of digits as
/// Microsoft Entra's v1 endpoint sends) and, with <c>UseInstanceUrl</c>, an allowed
/// <c>instance_url</c> makes a token. Everything else is a failure whose class is safe to log.
/// </summary>
internal static class TokenResponseReader
{
    private const int MaxAccessTokenLength = 16 * 1024;

    public static TokenOutcome Read(TokenResponse response, UpstreamCredentialOptions options, bool allowInsecure, DateTimeOffset requestedAt)
    {
        if (response.HttpResponse is not { } http)
        {
            return TokenOutcome.Failed(TokenFailure.EndpointFailed(TransportFailure(response.Exception)));
        }
        if (!http.IsSuccessStatusCode)
        {
            return TokenOutcome.Failed(TokenFailure.EndpointFailed(ErrorClass(http.StatusCode, response.Json)));
        }
        if (response.Json is not { ValueKind: JsonValueKind.Object } json)
        {
            return TokenOutcome.Failed(TokenFailure.Invalid(response.Json is null ? "the response is not JSON" : "the response is not a JSON object"));
        }
        if (json.TryGetProperty(OidcConstants.TokenResponse.Error, out _))
        {
            return TokenOutcome.Failed(TokenFailure.EndpointFailed(ErrorClass(http.StatusCode, json)));
        }
        if (!json.TryGetProperty(OidcConstants.TokenResponse.AccessToken, out var accessToken) || accessToken.ValueKind != JsonValueKind.String)
        {
            return TokenOutcome.Failed(TokenFailure.Invalid("no access_token string"));
        }
        var value = accessToken.GetString()!;
        if (value.Length is 0 or > MaxAccessTokenLength || !value.All(c => c is > ' ' and < '\u007f'))
        {
            return TokenOutcome.Failed(TokenFailure.Invalid("access_token is empty, too long or not visible ASCII"));
        }
        if (json.TryGetProperty(OidcConstants.TokenResponse.TokenType, out var tokenType)
            && !(tokenType.ValueKind == JsonValueKind.String && string.Equals(tokenType.GetString(), OidcConstants.TokenResponse.BearerTokenType, StringComparison.OrdinalIgnoreCase)))
        {
            return TokenOutcome.Failed(TokenFailure.Invalid("token_type is not Bearer"));
        }
        if (Lifetime(json, options) is not { } lifetime)
        {
            return TokenOutcome.Failed(TokenFailure.Invalid("expires_in is not a positive whole number of seconds"));
        }
        Uri? instanceUrl = null;
        if (options.UseInstanceUrl)
        {
            var raw = json.TryGetProperty("instance_url", out var instance) && instance.ValueKind == JsonValueKind.String ? instance.GetString() : null;
            if (InstanceUrlPolicy.Check(raw, options.InstanceUrlHosts, allowInsecure, out instanceUrl) is { } problem)
            {
                return TokenOutcome.Failed(TokenFailure.Invalid($"instance_url refused: {problem}"));
            }
        }
        return TokenOutcome.Issued(new AccessToken(value, requestedAt, lifetime, instanceUrl));
    }

    private static TimeSpan? Lifetime(JsonElement json, UpstreamCredentialOptions options)
    {
        if (!json.TryGetProperty(OidcConstants.TokenResponse.ExpiresIn, out var expiresIn))
        {
            return options.AssumedLifetime;
        }
        long seconds = 0;
        var parsed = expiresIn.ValueKind == JsonValueKind.Number
            ? expiresIn.TryGetInt64(out seconds)
            : expiresIn.ValueKind == JsonValueKind.String && long.TryParse(expiresIn.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out seconds);
        // More than a year is not a lifetime any authorization server means.
        return parsed && seconds is > 0 and <= 366 * 24 * 3600 ? TimeSpan.FromSeconds(seconds) : null;
    }

    /// <summary>The HTTP status and the RFC 6749 <c>error</c> code when it is one; never <c>error_description</c>, which is the endpoint's free text.</summary>
    private static string ErrorClass(HttpStatusCode status, JsonElement? json)
    {
        var error = json is { ValueKind: JsonValueKind.Object } body
            && body.TryGetProperty(OidcConstants.TokenResponse.Error, out var code)
            && code.ValueKind == JsonValueKind.String
            && code.GetString() is { Length: > 0 and <= 64 } text
            && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
                ? $", error {text}"
                : string.Empty;
        return $"HTTP {(int)status}{error}";
    }

    private static string TransportFailure(Exception? exception) =>
        (exception as HttpRequestException ?? exception?.InnerException as HttpRequestException)?.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "the token endpoint's name does not resolve",
            HttpRequestError.ConnectionError => "the token endpoint refused or dropped the connection",
            HttpRequestError.SecureConnectionError => "TLS with the token endpoint failed",
            HttpRequestError.ConfigurationLimitExceeded => $"the response exceeds {TokenEndpointClient.MaxResponseBytes} bytes",
            HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded => "the token endpoint sent invalid HTTP",
            _ => $"the request failed ({exception?.GetType().Name ?? "unknown"})",
        };
}
