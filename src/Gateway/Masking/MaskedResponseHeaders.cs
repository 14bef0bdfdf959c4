using System.Net.Http.Headers;
using Gateway.Pipeline;
using Gateway.Routing;
using Gateway.Telemetry;
using Gateway.Upstream;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Masking;

/// <summary>
/// On masked requests: of the headers YARP copied from the CRM's response, only those of the
/// allow-list stay, and no trailer is passed on. The names (never the values) of what was dropped
/// go on the request feature for the audit event. Runs before the masking transform, which may
/// replace the response with a refusal.
/// </summary>
internal sealed class MaskedResponseHeaders(IOptions<MaskingOptions> options, RoutePolicies policies, GatewayMetrics metrics) : ITransformProvider
{
    /// <summary>Names recorded per request and direction; the metric counts them all.</summary>
    internal const int MaxRecordedNames = 32;

    private readonly HeaderAllowList _allowed = ResponseHeaderPolicy.Global(options.Value);

    /// <summary>A route's own list is checked with the rest of its policy, when YARP loads it (RoutePolicyConfigFilter).</summary>
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        var allowed = _allowed.With(policies.For(context.Route).AllowResponseHeaders);
        context.AddResponseTransform(transform =>
        {
            if (transform.ProxyResponse is { } response && MaskedResponse.Of(transform.HttpContext) is not null)
            {
                DropUnlisted(transform.HttpContext, response, allowed);
            }
            return ValueTask.CompletedTask;
        });
        // YARP runs trailer transforms only where the client's protocol carries trailers (HTTP/2 and 3).
        context.AddResponseTrailersTransform(transform =>
        {
            if (MaskedResponse.Of(transform.HttpContext) is not null)
            {
                DropTrailers(transform.HttpContext, transform.ProxyResponse);
            }
            return ValueTask.CompletedTask;
        });
    }

    private void DropUnlisted(HttpContext http, HttpResponseMessage response, HeaderAllowList allowed)
    {
        var client = http.Response.Headers;
        SortedSet<string>? dropped = null;
        var count = Drop(response.Headers) + (response.Content is { } content ? Drop(content.Headers) : 0);
        if (dropped is not null)
        {
            metrics.HeadersDropped(HeaderDirection.Response, count);
            GatewayRequestFeature.GetOrCreate(http).DroppedResponseHeaders = [.. dropped.Take(MaxRecordedNames)];
        }

        int Drop(HttpHeaders headers)
        {
            var removed = 0;
            foreach (var header in headers.NonValidated)
            {
                // A name YARP did not copy (hop-by-hop) is not on the client response: nothing to drop.
                if (!allowed.Allows(header.Key) && !ResponseHeaderPolicy.IsTheGatewaysOwn(header.Key) && client.Remove(header.Key))
                {
                    (dropped ??= new SortedSet<string>(StringComparer.Ordinal)).Add(header.Key.ToLowerInvariant());
                    removed++;
                }
            }
            return removed;
        }
    }

    private void DropTrailers(HttpContext http, HttpResponseMessage response)
    {
        var trailers = http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        var dropped = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var trailer in response.TrailingHeaders.NonValidated)
        {
            dropped.Add(trailer.Key.ToLowerInvariant());
        }
        // Whatever put them there: a masked response ends with its body.
        trailers?.Clear();
        if (dropped.Count > 0)
        {
            metrics.HeadersDropped(HeaderDirection.Trailer, dropped.Count);
            GatewayRequestFeature.GetOrCreate(http).DroppedResponseTrailers = [.. dropped.Take(MaxRecordedNames)];
        }
    }
}
