using Gateway.Audit;
using Gateway.Core.Admin;
using Gateway.Core.Audit;
using Gateway.Core.Identity;
using Gateway.Core.Purpose;
using Gateway.Core.RequestGuard;
using Gateway.Core.ResponseMasking;
using Gateway.Core.Transport;
using Gateway.Core.Upstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Core.Hosting;

public static class GatewayApplicationBuilderExtensions
{
    /// <summary>The request flow, outermost first (see docs/operations.md).</summary>
    public static WebApplication UseComplianceGateway(this WebApplication app)
    {
        var transport = app.Services.GetRequiredService<IOptions<TransportOptions>>().Value;
        var adminPort = transport.Admin.Port;

        if (transport.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }
        app.UseHsts();
        app.MapWhen(context => context.Connection.LocalPort == adminPort, AdminEndpoints.Configure);
        if (AuditRegistration.Enabled(app.Configuration))
        {
            // Switched off, it would still describe every request for an event nobody keeps.
            app.UseMiddleware<AuditMiddleware>();
        }
        app.UseMiddleware<RequestGuardMiddleware>();
        app.UseRouting();
        if (IdentityRegistration.Enabled(app.Configuration))
        {
            app.UseMiddleware<IdentityMiddleware>();
        }
        if (PurposeRegistration.Enabled(app.Configuration))
        {
            app.UseMiddleware<PurposeMiddleware>();
        }
        app.UseMiddleware<WholeRequestBodyMiddleware>();
        app.UseMiddleware<UpstreamErrorResponses>();
        if (MaskingRegistration.Enabled(app.Configuration))
        {
            app.UseMiddleware<ResponseMaskingMiddleware>();
        }
        app.MapReverseProxy();
        return app;
    }
}
