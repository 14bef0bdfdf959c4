using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Masking;

/// <summary>On masked requests, hands YARP's request and response to the request's <see cref="MaskedResponse"/>.</summary>
internal sealed class ResponseMaskingTransforms : ITransformProvider
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
            MaskedResponse.Of(transform.HttpContext)?.PrepareUpstreamRequest(transform.ProxyRequest);
            return ValueTask.CompletedTask;
        });
        context.AddResponseTransform(transform =>
            MaskedResponse.Of(transform.HttpContext) is { } masked ? masked.AcceptUpstreamResponseAsync(transform) : ValueTask.CompletedTask);
    }
}
