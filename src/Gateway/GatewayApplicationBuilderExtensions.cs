using Gateway.Audit;
using Gateway.Admin;
using Gateway.Identity;
using Gateway.Purpose;
using Gateway.RequestGuard;
using Gateway.Masking;
using Gateway.Transport;
using Gateway.Upstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway;

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
