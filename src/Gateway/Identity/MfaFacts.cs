using System.Text.Json;

namespace Gateway.Identity;

/// <summary>Whether the user passed a second factor, from <c>amr</c> (RFC 8176 values) or <c>acr</c>.</summary>
internal sealed class MfaFacts(IReadOnlyList<string> amrValues, IReadOnlyList<string> acrValues)
{
    private readonly HashSet<string> _amr = amrValues.ToHashSet(StringComparer.Ordinal);
    private readonly HashSet<string> _acr = acrValues.ToHashSet(StringComparer.Ordinal);

    public bool UsedMfa(JsonElement payload)
    {
        if (payload.TryGetProperty("amr", out var amr) && amr.ValueKind == JsonValueKind.Array
            && amr.EnumerateArray().Any(v => v.ValueKind == JsonValueKind.String && _amr.Contains(v.GetString()!)))
        {
            return true;
        }
        return payload.TryGetProperty("acr", out var acr) && acr.ValueKind == JsonValueKind.String && _acr.Contains(acr.GetString()!);
    }
}
