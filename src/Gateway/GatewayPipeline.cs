using Gateway.Audit;
using Gateway.Configuration;
using Gateway.Consent;
using Gateway.Detector;
using Gateway.Identity;
using Gateway.Masking;
using Gateway.PrivacyConsole;
using Gateway.Purpose;
using Gateway.Quota;
using Gateway.Redis;
using Gateway.RequestGuard;
using Gateway.Telemetry;
using Gateway.Transport;
using Gateway.Upstream;
using Gateway.WritePolicy;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway;

/// <summary>
/// The compliance pipeline on one screen (docs/architecture.md): every stage's services, and every
/// stage in the order a request passes it. Each <c>Use…</c> checks that its <c>Add…</c> was called
/// and that the stages it relies on come before it; a stage switched off by settings stays in the
/// list and adds nothing.
/// </summary>
internal static class GatewayPipeline
{
    public static GatewayBuilder AddComplianceGateway(this IServiceCollection services, IConfiguration configuration)
    {
        // The gateway's one clock; a test registers its own first (GatewayApplication.Create).
#pragma warning disable RS0030 // The composition root chooses the system clock.
        services.TryAddSingleton(TimeProvider.System);
#pragma warning restore RS0030
        services.AddGatewayOptions();

        // Hosted services start in this order and stop in the reverse: the audit writer stops after
        // the stages that still record events, and after the web server, which is registered later.
        services.AddGatewayTransport();
        services.AddGatewayUpstream(configuration);
        services.AddResponseMasking(configuration);
        services.AddGatewayRedis(configuration);
        services.AddGatewayIdentity(configuration);
        services.AddQuota(configuration);
        services.AddGatewayTelemetry(configuration);
        services.AddGatewayAudit(configuration);
        services.AddGatewayPurpose(configuration);
        services.AddConsent(configuration);
        services.AddRequestGuard();
        services.AddWritePolicy(configuration);
        services.AddDetector(configuration);          // the anomaly detector on the audit stream, when it runs in process
        services.AddPrivacyConsole(configuration);
        services.AddHostedService<DisabledStageWarnings>();
        return new GatewayBuilder(services);
    }

    /// <summary>The request flow, outermost first.</summary>
    public static WebApplication UseComplianceGateway(this WebApplication app)
    {
        app.UseGatewayTransport();      // forwarded headers (trusted proxies only), HSTS, the admin port's branch
        app.UseGatewayAudit();          // outermost on the proxy port: one audit event per request, refusals included
        app.UseRequestGuard();          // method, scheme, path and header hygiene, before any route is matched
        app.UseRouting();
        app.UseGatewayIdentity();       // access token, roles, MFA, revocation
        app.UseQuota();                 // the caller's budgets of requests, records and clear values, shared in Redis
        app.UseGatewayPurpose();        // exactly one permitted purpose
        app.UseConsent();               // the consent gate that purpose calls for
        app.UseWholeRequestBody();      // the whole body before the CRM sees anything
        app.UseWritePolicy();           // the operation and every field written, judged by role from that body
        app.UseUpstreamErrors();        // problem+json for a CRM that failed
        app.UseResponseMasking();       // the response masked by role and data class, its records by the consent gate
        app.MapGatewayProxy();          // YARP: forwards what every stage above let through
        return app;
    }
}
