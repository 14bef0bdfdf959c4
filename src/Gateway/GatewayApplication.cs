using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway;

/// <summary>Builds the gateway host the same way for production, demo mode and integration tests.
/// Throws <see cref="OptionsValidationException"/> (or an AggregateException of them) listing every configuration error.</summary>
internal static class GatewayApplication
{
    /// <param name="args">Command-line arguments; <c>--Section:Key=value</c> overrides any setting.</param>
    /// <param name="defaults">Settings under every other source, with the command line still winning (demo mode).</param>
    /// <param name="overrideServices">Registrations made before the gateway's own, which are all <c>TryAdd</c>: a test's
    /// <see cref="TimeProvider"/> or other stand-in wins.</param>
    public static WebApplication Create(string[] args, IReadOnlyDictionary<string, string?>? defaults = null, Action<IServiceCollection>? overrideServices = null)
    {
        // appsettings.json ships beside the binary; the working directory is the operator's (and holds .demo/).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (defaults is not null)
        {
            builder.Configuration.AddInMemoryCollection(defaults);
            builder.Configuration.AddCommandLine(args);
        }
        GatewayOptionsRegistration.ValidateGatewayOptions(builder.Configuration);
        overrideServices?.Invoke(builder.Services);
        builder.Services.AddComplianceGateway(builder.Configuration);
        var app = builder.Build();
        app.UseComplianceGateway();
        return app;
    }
}
