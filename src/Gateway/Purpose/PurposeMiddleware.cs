using Gateway.Pipeline;
using Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace Gateway.Purpose;

/// <summary>
/// After identity, before anything is forwarded: every proxied request gets exactly one known,
/// permitted purpose or a 403. The purpose header is not forwarded: the CRM has no use for it.
/// </summary>
internal sealed class PurposeMiddleware(RequestDelegate next, PurposeResolver resolver, IOptions<PurposeOptions> options, GatewayMetrics metrics)
{
    private const string Stage = "purpose";
    private readonly string _header = options.Value.Header;

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<Yarp.ReverseProxy.Model.RouteModel>() is null)
        {
            return next(context);
        }
        var feature = GatewayRequestFeature.GetOrCreate(context);
        var identity = feature.Identity ?? throw new InvalidOperationException("The purpose stage runs after the identity stage.");
        var resolution = resolver.Resolve(identity, context.Request.Headers[_header]);
        if (resolution.Purpose is null)
        {
            metrics.RequestRefused(Stage, resolution.Reason!);
            return GatewayProblem.RefuseAsync(context, Stage, StatusCodes.Status403Forbidden, resolution.Reason!, resolution.Detail!);
        }
        feature.Purpose = resolution.Purpose;
        context.Request.Headers.Remove(_header);
        return next(context);
    }
}
