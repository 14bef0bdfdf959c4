using System.Net;
using System.Text.Json;
using DemoCrm.Contacts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Benchmarks.Load;

/// <summary>
/// The upstream of every variant: plain HTTP on loopback, answering from bodies serialized once
/// at start (the demo CRM's contacts), so that it costs as little as an upstream can.
/// </summary>
internal static class CrmLikeUpstream
{
    public const string Command = "load-upstream";

    public static async Task RunAsync(int port)
    {
        var bodies = LoadBodies.All.ToDictionary(b => b.Name, b => Serialize(b));
        // No configuration files and so no watcher on them: with its working directory in the
        // temporary directory, a default builder watched every directory under it, and its watcher
        // thread woke for each file written there (spools, logs, perf maps) on the measured cores.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.MapGet("/api/contacts/{id}", (HttpContext context) => WriteAsync(context, bodies[LoadBodies.Single.Name]));
        app.MapGet("/api/contacts", (HttpContext context) =>
            bodies.TryGetValue(context.Request.Query["body"].ToString(), out var body) ? WriteAsync(context, body) : Results.NotFound().ExecuteAsync(context));
        await app.RunAsync();
    }

    private static Task WriteAsync(HttpContext context, byte[] body)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body).AsTask();
    }

    private static byte[] Serialize(LoadBody body)
    {
        if (body.IsSingleRecord)
        {
            // A contact the rules let through for the benchmark's consent purpose (no CRM opt-out).
            var candidates = ContactGenerator.Generate(100, seed: 7);
            return JsonSerializer.SerializeToUtf8Bytes(candidates.First(c => !c.HsEmailOptout), JsonSerializerOptions.Web);
        }
        var contacts = ContactGenerator.Generate(body.Records, seed: 7);
        var envelope = new { data = contacts, paging = new { page = 1, pageSize = contacts.Count, total = contacts.Count, next = (string?)null } };
        return JsonSerializer.SerializeToUtf8Bytes(envelope, JsonSerializerOptions.Web);
    }
}

/// <summary>A response the load benchmark asks for: its name in tables, and how many demo-CRM contacts it holds.</summary>
internal sealed record LoadBody(string Name, int Records, bool IsSingleRecord, string PathAndQuery);

internal static class LoadBodies
{
    public static readonly LoadBody Single = new("1 KB", 1, IsSingleRecord: true, "/api/contacts/one");

    public static readonly LoadBody List100K = new("100 KB", 150, IsSingleRecord: false, "/api/contacts?body=100+KB");

    public static readonly LoadBody List10M = new("10 MB", 15_000, IsSingleRecord: false, "/api/contacts?body=10+MB");

    public static IReadOnlyList<LoadBody> All { get; } = [Single, List100K, List10M];

    /// <summary>Every contact id any body holds: the benchmark's consent store grants all of them.</summary>
    public static IEnumerable<string> SubjectIds => Enumerable.Range(1, List10M.Records).Select(i => $"c-{i:00000}");
}
