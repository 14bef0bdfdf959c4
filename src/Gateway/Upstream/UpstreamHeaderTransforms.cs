using Gateway.Routing;
using Gateway.Telemetry;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Upstream;

/// <summary>
/// On every route: only the request headers of the allow-list reach the CRM (everything else the
/// client sent is removed before any transform adds the gateway's own); the client's credential
/// never does (the gateway's is injected by <see cref="UpstreamAuthenticationHandler"/> instead); X-Forwarded-For and X-Forwarded-Proto are built
/// by the gateway, and no X-Forwarded-Host or X-Forwarded-Prefix is sent; and headers a peer
/// nominated as hop-by-hop through <c>Connection</c> are not passed on in either direction.
/// </summary>
internal sealed class UpstreamHeaderTransforms(IOptions<UpstreamOptions> options, RoutePolicies policies, GatewayMetrics metrics) : ITransformProvider
{
    private readonly HeaderAllowList _allowed = RequestHeaderPolicy.Global(options.Value);
    private readonly string _credentialHeader = options.Value.Credential.Header;

    /// <summary>Runs on every configuration YARP loads: a reload that adds a forwarding transform is refused and the previous configuration stays.</summary>
    public void ValidateRoute(TransformRouteValidationContext context)
    {
        var route = context.Route;
        foreach (var key in (route.Transforms ?? []).SelectMany(t => t.Keys).Where(RequestHeaderPolicy.IsForwardingTransform))
        {
            context.Errors.Add(new InvalidOperationException($"ReverseProxy:Routes:{route.RouteId}:Transforms: {key}: {RequestHeaderPolicy.ForwardingTransformProblem}"));
        }
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        var allowed = _allowed.With(policies.For(context.Route).AllowRequestHeaders);
        // First of all transforms, right after YARP copied the client's headers: whatever a later
        // transform adds (the route's own) is the gateway's, not the client's.
        context.RequestTransforms.Insert(0, new RequestFuncTransform(transform =>
        {
            var removed = RemoveUnlisted(transform.ProxyRequest, allowed);
            if (removed > 0)
            {
                metrics.HeadersDropped(HeaderDirection.Request, removed);
            }
            return ValueTask.CompletedTask;
        }));
        // YARP's defaults would add X-Forwarded-Host from the client's Host and X-Forwarded-Prefix.
        context.UseDefaultForwarders = false;
        context.AddXForwardedFor(action: ForwardedTransformActions.Set);
        context.AddXForwardedProto(action: ForwardedTransformActions.Set);
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
            proxyRequest.Headers.Remove(_credentialHeader);
            // The gateway's credential is added as the request leaves (UpstreamAuthenticationHandler),
            // which may send it twice: with a held body it can.
            ReplayableRequestBody.Offer(transform.HttpContext, proxyRequest);
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

    /// <summary>Removes every header <paramref name="allowed"/> does not list; returns how many, not counting those every request has.</summary>
    private static int RemoveUnlisted(HttpRequestMessage proxyRequest, HeaderAllowList allowed) =>
        RemoveUnlisted(proxyRequest.Headers, allowed) + (proxyRequest.Content is { } content ? RemoveUnlisted(content.Headers, allowed) : 0);

    /// <summary>From the collection the name was found in: request and content headers each refuse the other's names.</summary>
    private static int RemoveUnlisted(System.Net.Http.Headers.HttpHeaders headers, HeaderAllowList allowed)
    {
        List<string>? unlisted = null;
        foreach (var header in headers.NonValidated)
        {
            if (!allowed.Allows(header.Key) && !RequestHeaderPolicy.IsLeftToYarp(header.Key))
            {
                (unlisted ??= []).Add(header.Key);
            }
        }
        var counted = 0;
        foreach (var name in unlisted ?? [])
        {
            headers.Remove(name);
            counted += RequestHeaderPolicy.IsConsumedByTheGateway(name) ? 0 : 1;
        }
        return counted;
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
