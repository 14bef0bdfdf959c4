using System.Text.Json;

namespace Gateway.Identity;

/// <summary>
/// Turns identity-provider values (roles, groups, scopes, nested <c>realm_access.roles</c>)
/// into gateway roles through the configured table. Unmapped values are ignored, so a caller
/// can end up with no role at all, which the identity stage refuses.
/// </summary>
internal sealed class RoleMapper(IReadOnlyList<string> claimPaths, IReadOnlyDictionary<string, string> map)
{
    private readonly string[][] _paths = [.. claimPaths.Select(path => path.Split('.'))];

    public IReadOnlySet<string> Map(JsonElement payload)
    {
        var roles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in _paths)
        {
            if (Navigate(payload, path) is { } claim)
            {
                foreach (var value in Values(claim))
                {
                    if (map.TryGetValue(value, out var role))
                    {
                        roles.Add(role);
                    }
                }
            }
        }
        return roles;
    }

    private static JsonElement? Navigate(JsonElement element, string[] path)
    {
        foreach (var segment in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(segment, out element))
            {
                return null;
            }
        }
        return element;
    }

    private static IEnumerable<string> Values(JsonElement claim) => claim.ValueKind switch
    {
        JsonValueKind.String => claim.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries),
        JsonValueKind.Array => claim.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!),
        _ => [],
    };
}
