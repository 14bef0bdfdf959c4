using System.Text;
using System.Text.Json.Serialization;
using Gateway.Masking;
using Gateway.Purpose;
using Microsoft.Extensions.Options;

namespace Gateway.PrivacyConsole;

/// <summary>
/// The data map of the rules in force (role <see cref="ConsoleOptions.PrivacyOfficerRole"/>):
/// data class × role × purpose → what the role receives, as JSON or CSV, built by the same
/// library code as <c>gatewayctl datamap</c>.
/// </summary>
internal static class DataMapEndpoints
{
    /// <summary>What the map says about writes, beside each cell's answer.</summary>
    public const string WritesNote = "Writes: whether the role may create or update fields of the class, from the rules' permissions section (yes, with MFA, or no; per entity where they differ). Deletes are per entity, not per class.";

    public static void Map(RouteGroupBuilder api) => api.MapGet("/datamap", DataMapAsync);

    private static async Task DataMapAsync(HttpContext context, string? format)
    {
        if (await ConsoleApi.AuthenticateAsync(context, o => o.PrivacyOfficerRole) is null || await ExportFormat.ReadAsync(context, format) is not { } chosen)
        {
            return;
        }
        if (context.RequestServices.GetService<RulesProvider>() is not { } provider)
        {
            await ConsoleApi.RefuseAsync(context, StatusCodes.Status409Conflict, "masking_disabled", "Masking is switched off (Gateway:Masking:Enabled=false): there are no rules to map.");
            return;
        }
        var rules = provider.Current;
        var catalog = context.RequestServices.GetRequiredService<IOptions<PurposeOptions>>().Value.Catalog;
        var purposes = catalog.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new DataMapPurpose(p.Key, p.Value.Basis, p.Value.WithoutBasis)).ToList();
        var entries = DataMap.Build(rules, purposes);
        if (chosen == ExportFormat.Csv)
        {
            ExportFormat.Attachment(context, $"datamap-{rules.Version}.csv");
            var csv = new StringWriter();
            DataMap.WriteCsv(csv, entries);
            await context.Response.WriteAsync(csv.ToString(), Encoding.UTF8, context.RequestAborted);
            return;
        }
        await ConsoleApi.WriteAsync(context, new DataMapAnswer(rules.Version, [.. purposes.Select(p => p.Name)], [.. rules.Roles, DataMap.OtherRoles], [.. rules.Classes, "unclassified"], WritesNote, entries), DataMapJson.Default.DataMapAnswer);
    }
}

/// <summary>The console's exports: JSON (the default) or CSV, as <c>?format=</c> names it.</summary>
internal static class ExportFormat
{
    public const string Json = "json";
    public const string Csv = "csv";

    /// <returns>The format, or null once a 400 has been written.</returns>
    public static async Task<string?> ReadAsync(HttpContext context, string? format)
    {
        if (format is null or Json or Csv)
        {
            return format ?? Json;
        }
        await ConsoleApi.RefuseAsync(context, StatusCodes.Status400BadRequest, "format_invalid", "format must be json or csv.");
        return null;
    }

    public static void Attachment(HttpContext context, string fileName)
    {
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
    }
}

internal sealed record DataMapAnswer(string RulesVersion, IReadOnlyList<string> Purposes, IReadOnlyList<string> Roles, IReadOnlyList<string> Classes, string Writes, IReadOnlyList<DataMapEntry> Entries);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DataMapAnswer))]
internal sealed partial class DataMapJson : JsonSerializerContext;
