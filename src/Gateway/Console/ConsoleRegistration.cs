using Gateway.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

// The namespace is not Gateway.Console: that would hide System.Console from every Gateway.* namespace.
namespace Gateway.PrivacyConsole;

/// <summary>
/// The privacy console on the admin port (never the proxy's): a static page embedded in the
/// assembly, and its JSON API under <c>/console/api</c>, which accepts the proxy's access tokens
/// and checks each view's role.
/// </summary>
internal static class ConsoleRegistration
{
    /// <summary>Where the page's files are embedded (see Gateway.csproj).</summary>
    private const string PageResources = "Gateway.Console.wwwroot";

    public static IServiceCollection AddPrivacyConsole(this IServiceCollection services, IConfiguration configuration)
    {
        if (Enabled(configuration))
        {
            services.TryAddSingleton<ConsoleSamples>();
            services.TryAddSingleton<PreviewHashKey>();
        }
        return services;
    }

    /// <summary>Switched on (the default), and the identity stage whose tokens it accepts is on too.</summary>
    public static bool Enabled(IConfiguration configuration) =>
        configuration.GetValue($"{ConsoleOptions.Section}:Enabled", true) && IdentityRegistration.Enabled(configuration);

    /// <summary>On the admin port's branch, before its routing: security headers on every console answer, and the page itself.</summary>
    public static void UsePrivacyConsole(this IApplicationBuilder admin)
    {
        if (admin.ApplicationServices.GetService<ConsoleSamples>() is null)
        {
            return;
        }
        admin.UseWhen(context => context.Request.Path.StartsWithSegments(ConsolePaths.Root), console => console.UseMiddleware<ConsoleSecurityHeaders>());
        var page = new EmbeddedFileProvider(typeof(ConsoleRegistration).Assembly, PageResources);
        admin.UseDefaultFiles(new DefaultFilesOptions { RequestPath = ConsolePaths.Root, FileProvider = page, DefaultFileNames = ["index.html"] });
        admin.UseStaticFiles(new StaticFileOptions { RequestPath = ConsolePaths.Root, FileProvider = page });
    }

    public static void MapPrivacyConsole(this IEndpointRouteBuilder endpoints)
    {
        if (endpoints.ServiceProvider.GetService<ConsoleSamples>() is null)
        {
            return;
        }
        var api = endpoints.MapGroup(ConsolePaths.Api);
        api.MapGet("/me", MeAsync);
        RulesPlaygroundEndpoints.Map(api);
        DataMapEndpoints.Map(api);
        AuditEndpoints.Map(api);
        AlertEndpoints.Map(api);
    }

    /// <summary>Who the token names, and which views its roles open: the page's sign-in.</summary>
    private static async Task MeAsync(HttpContext context)
    {
        var options = context.Options();
        var views = new (string View, string Role)[]
        {
            ("playground", options.RulesEditorRole), ("datamap", options.PrivacyOfficerRole),
            ("processing", options.PrivacyOfficerRole), ("audit", options.SocAnalystRole),
        };
        if (await Admin.AdminTokenAuthorization.AuthenticateAsync(context, ConsoleApi.Stage, "The console API", [.. views.Select(v => v.Role).Distinct()], "console_role_required") is not { } caller)
        {
            return;
        }
        var answer = new Me(caller.Subject, [.. views.Select(v => v.Role).Distinct().Where(caller.Roles.Contains)], [.. views.Where(v => caller.Roles.Contains(v.Role)).Select(v => v.View)]);
        await ConsoleApi.WriteAsync(context, answer, MeJson.Default.Me);
    }

    public static ConsoleOptions Options(this HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<ConsoleOptions>>().Value;
}

internal sealed record Me(string Subject, IReadOnlyList<string> Roles, IReadOnlyList<string> Views);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(Me))]
internal sealed partial class MeJson : System.Text.Json.Serialization.JsonSerializerContext;

internal static class ConsolePaths
{
    public const string Root = "/console";
    public const string Api = "/console/api";
}
