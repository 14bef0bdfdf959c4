using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Core.Upstream;

/// <summary>
/// On every route: the client's own credential never reaches the CRM (the gateway's is
/// injected instead), and headers a peer nominated as hop-by-hop through <c>Connection</c>
/// are not passed on in either direction.
/// </summary>
internal sealed class UpstreamHeaderTransforms(UpstreamCredential credential) : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.AddRequestTransform(transform =>
        {
            var proxyRequest = transform.ProxyRequest;
            foreach (var nominated in ConnectionTokens(transform.HttpContext.Request.Headers.Connection))
            {
                proxyRequest.Headers.Remove(nominated);
                proxyRequest.Content?.Headers.Remove(nominated);
            }
            proxyRequest.Headers.Remove("Authorization");
            proxyRequest.Headers.Remove("Proxy-Authorization");
            proxyRequest.Headers.Remove(credential.HeaderName);
            proxyRequest.Headers.TryAddWithoutValidation(credential.HeaderName, credential.Value);
            return ValueTask.CompletedTask;
        });
        context.AddResponseTransform(transform =>
        {
            if (transform.ProxyResponse is { } response)
            {
                foreach (var nominated in response.Headers.Connection)
                {
                    transform.HttpContext.Response.Headers.Remove(nominated);
                }
            }
            return ValueTask.CompletedTask;
        });
    }

    private static IEnumerable<string> ConnectionTokens(StringValues connection)
    {
        foreach (var value in connection)
        {
            foreach (var token in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                yield return token;
            }
        }
    }
}
