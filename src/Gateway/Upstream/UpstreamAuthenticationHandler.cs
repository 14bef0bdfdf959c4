using System.Net;

namespace Gateway.Upstream;

/// <summary>
/// Between YARP and the CRM, on every cluster: sends each request with the gateway's credential
/// (and, with <c>UseInstanceUrl</c>, to the token response's instance), and never lets the CRM's
/// 401 through. On a 401 the credential is renewed and the request sent once more when its body
/// can be sent twice; a second 401, or a body that cannot be replayed, becomes 502
/// <c>upstream_unauthorized</c> through <see cref="UpstreamCredentialException"/>.
/// </summary>
internal sealed partial class UpstreamAuthenticationHandler(UpstreamCredentialSource credential, ILogger<UpstreamAuthenticationHandler> logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var replayable = ReplayableRequestBody.Prepare(request);
        var authorization = await credential.GetAsync(cancellationToken);
        var response = await SendWithAsync(request, authorization, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }
        response.Dispose();
        if (!replayable)
        {
            LogRefused(logger, "the request body cannot be sent twice, so it was not retried");
            throw UpstreamCredentialException.Refused();
        }
        var renewed = await credential.RenewAsync(authorization, cancellationToken);
        if (renewed.SameValueAs(authorization))
        {
            LogRefused(logger, "no other credential could be had, so it was not retried");
            throw UpstreamCredentialException.Refused();
        }
        LogRetrying(logger);
        response = await SendWithAsync(request, renewed, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }
        response.Dispose();
        LogRefused(logger, "again after it was renewed");
        throw UpstreamCredentialException.Refused();
    }

    private Task<HttpResponseMessage> SendWithAsync(HttpRequestMessage request, UpstreamAuthorization authorization, CancellationToken cancellationToken)
    {
        request.Headers.Remove(authorization.HeaderName);
        request.Headers.TryAddWithoutValidation(authorization.HeaderName, authorization.HeaderValue);
        if (authorization.InstanceUrl is { } instance)
        {
            request.RequestUri = new UriBuilder(request.RequestUri!) { Scheme = instance.Scheme, Host = instance.IdnHost, Port = instance.Port }.Uri;
        }
        return base.SendAsync(request, cancellationToken);
    }

    [LoggerMessage(EventId = 1322, Level = LogLevel.Information, Message = "The CRM refused the gateway's credential (401); it was renewed and the request is sent once more")]
    private static partial void LogRetrying(ILogger logger);

    [LoggerMessage(EventId = 1323, Level = LogLevel.Warning, Message = "The CRM refused the gateway's credential (401) {Circumstance}; upstream_unauthorized sent")]
    private static partial void LogRefused(ILogger logger, string circumstance);
}
