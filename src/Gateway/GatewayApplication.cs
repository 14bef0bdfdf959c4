using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway;

/// <summary>Builds the gateway host the same way for production, demo mode and integration tests.
/// Throws <see cref="OptionsValidationException"/> (or an AggregateException of them) listing every configuration error.</summary>
internal static class GatewayApplication
{
    /// <param name="args">Command-line arguments; <c>--Section:Key=value</c> overrides any setting.</param>
    /// <param name="defaults">Settings under every other source, with the command line still winning (demo mode).</param>
    public static WebApplication Create(string[] args, IReadOnlyDictionary<string, string?>? defaults = null)
    {
        // appsettings.json ships beside the binary; the working directory is the operator's (and holds .demo/).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (defaults is not null)
        {
            builder.Configuration.AddInMemoryCollection(defaults);
            builder.Configuration.AddCommandLine(args);
        }
        GatewayOptionsRegistration.ValidateGatewayOptions(builder.Configuration);
        builder.Services.AddComplianceGateway(builder.Configuration);
        var app = builder.Build();
        app.UseComplianceGateway();
        return app;
    }
}
