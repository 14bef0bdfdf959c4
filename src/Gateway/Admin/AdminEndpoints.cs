using Gateway.Consent;
using Gateway.PrivacyConsole;
using Gateway.Telemetry;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Gateway.Admin;

/// <summary>The admin port's own small pipeline; nothing on it reaches the CRM.</summary>
internal static class AdminEndpoints
{
    public static void Configure(IApplicationBuilder admin)
    {
        admin.UsePrivacyConsole();
        admin.UseRouting();
        admin.UseEndpoints(endpoints =>
        {
            endpoints.MapHealthChecks("/healthz", new HealthCheckOptions
            {
                Predicate = _ => false,
                ResponseWriter = HealthResponseWriter.WriteAsync,
            });
            endpoints.MapHealthChecks("/readyz", new HealthCheckOptions
            {
                Predicate = check => check.Tags.Contains(HealthTags.Ready),
                ResponseWriter = HealthResponseWriter.WriteAsync,
            });
            if (admin.ApplicationServices.GetService<IOptions<TelemetryOptions>>()?.Value.PrometheusEnabled ?? false)
            {
                endpoints.MapPrometheusScrapingEndpoint("/metrics");
            }
            if (admin.ApplicationServices.GetService<ConsentLookup>() is not null)
            {
                endpoints.MapConsentApi();
            }
            endpoints.MapPrivacyConsole();
        });
        admin.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
    }
}
