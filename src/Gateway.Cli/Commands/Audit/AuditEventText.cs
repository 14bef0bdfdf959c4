using System.Globalization;
using System.Text.Json;
using Gateway.Audit;

namespace Gateway.Cli.Commands.Audit;

/// <summary>One line per event for people reading a terminal.</summary>
internal static class AuditEventText
{
    public static string Line(AuditRecord record)
    {
        var root = record.Document.RootElement;
        var time = record.Time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? "?";
        var origin = $"{record.Instance}#{record.Sequence}";
        if (Text(root, "unmapped", "event_kind") == "change")
        {
            return $"{time}  {origin}  {Text(root, "unmapped", "change")}  {Text(root, "status")}  {Text(root, "message")}";
        }
        var actor = Text(root, "actor", "user", "uid") ?? "-";
        var roles = Roles(root) is { Count: > 0 } names ? string.Join(',', names) : "-";
        var masking = root.TryGetProperty("unmapped", out var unmapped) && unmapped.TryGetProperty("masking", out var m)
            ? $"  {m.GetProperty("entity").GetString()}×{m.GetProperty("records").GetInt32()}"
            : string.Empty;
        var reason = Text(root, "status_detail") is { } detail ? $" ({detail})" : string.Empty;
        return $"{time}  {origin}  {Text(root, "action")}{reason}  {Number(root, "http_response", "code")}  {Text(root, "http_request", "http_method")} {Text(root, "http_request", "url", "path")}  {actor} [{roles}]{masking}";
    }

    /// <summary>The caller's gateway roles (<c>actor.user.groups[].name</c>); empty when no token was validated.</summary>
    public static IReadOnlyList<string> Roles(JsonElement root) =>
        Walk(root, ["actor", "user", "groups"]) is { ValueKind: JsonValueKind.Array } groups
            ? [.. groups.EnumerateArray().Select(g => Text(g, "name")).OfType<string>()]
            : [];

    public static string? Text(JsonElement element, params string[] path) =>
        Walk(element, path) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static string Number(JsonElement element, params string[] path) =>
        Walk(element, path) is { ValueKind: JsonValueKind.Number } value ? value.GetRawText() : "-";

    private static JsonElement? Walk(JsonElement element, string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }
        return element;
    }
}
