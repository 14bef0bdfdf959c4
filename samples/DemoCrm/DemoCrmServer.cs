using System.Security.Cryptography;
using System.Text;
using DemoCrm.Contacts;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace DemoCrm;

/// <summary>The demo CRM as an embeddable server: demo mode and end-to-end tests start it in-process.</summary>
public sealed class DemoCrmServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DemoCrmServer(WebApplication app) => _app = app;

    public Uri BaseAddress => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static async Task<DemoCrmServer> StartAsync(DemoCrmSettings settings, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(settings.Address, settings.Port, listen =>
            {
                if (settings.Certificate is { } certificate)
                {
                    listen.UseHttps(certificate);
                }
            }));
        builder.Services.AddRoutingCore();
        builder.Services.ConfigureHttpJsonOptions(_ => { });
#pragma warning disable RS0030 // The composition root: the demo CRM runs on the system clock.
        builder.Services.AddSingleton(TimeProvider.System);
#pragma warning restore RS0030
        builder.Services.AddSingleton(new ContactStore(ContactGenerator.Generate(settings.ContactCount, settings.Seed)));

        var app = builder.Build();
        if (settings.RequiredAuthorization is { } required)
        {
            app.Use((context, next) => IsAuthorized(context, required)
                ? next(context)
                : Results.Json(new { error = "missing or wrong CRM credential" }, statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context));
        }
        app.UseRouting();
        ContactEndpoints.Map(app);
        await app.StartAsync(cancellationToken);
        return new DemoCrmServer(app);
    }

    /// <summary>Completes once the host was asked to stop (SIGTERM, Ctrl+C) and has stopped.</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static bool IsAuthorized(HttpContext context, string required) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString()),
            Encoding.UTF8.GetBytes(required));
}
