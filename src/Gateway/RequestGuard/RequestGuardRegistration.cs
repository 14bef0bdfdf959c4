using Gateway.Audit;
using Gateway.Identity;
using Gateway.Pipeline;
using Gateway.Transport;

namespace Gateway.RequestGuard;

internal static class RequestGuardRegistration
{
    /// <summary>The guard's services come from the host and the transport stage (allowed hosts); its settings are validated with the others.</summary>
    public static IServiceCollection AddRequestGuard(this IServiceCollection services)
    {
        services.AddStage(nameof(AddRequestGuard), enabled: true);
        return services;
    }

    /// <summary>Refuses, before routing, every request whose method, scheme, target or framing cannot be judged unambiguously.</summary>
    public static IApplicationBuilder UseRequestGuard(this IApplicationBuilder app)
    {
        app.RequireAdded(nameof(AddRequestGuard), nameof(UseRequestGuard));
        app.RequireAdded(nameof(TransportRegistration.AddGatewayTransport), nameof(UseRequestGuard));
        app.RequireUsedBefore(nameof(UseRequestGuard), nameof(AuditRegistration.UseGatewayAudit), "every refusal becomes an audit event");
        app.RequireBeforeRouting(nameof(UseRequestGuard), "a route is matched only on a path the guard accepted");
        return app.UseStage<RequestGuardMiddleware>(nameof(UseRequestGuard));
    }

    /// <summary>Reads a proxied request's whole body before anything is forwarded; after identity, so only authenticated callers make the gateway hold a body.</summary>
    public static IApplicationBuilder UseWholeRequestBody(this IApplicationBuilder app)
    {
        app.RequireAdded(nameof(AddRequestGuard), nameof(UseWholeRequestBody));
        app.RequireRouting(nameof(UseWholeRequestBody), "only proxied routes' bodies are read");
        app.RequireUsedBefore(nameof(UseWholeRequestBody), nameof(IdentityRegistration.UseGatewayIdentity), "only authenticated callers make the gateway hold a body");
        return app.UseStage<WholeRequestBodyMiddleware>(nameof(UseWholeRequestBody));
    }
}
