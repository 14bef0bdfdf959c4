using Gateway.Identity;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Gateway.Purpose;

/// <summary>
/// Settles a request's purpose. The token's claim is the issuer's word and cannot be overridden;
/// a header is believed only from clients configured to declare one, so a client cannot promote
/// itself to a purpose by sending a header.
/// </summary>
internal sealed class PurposeResolver
{
    private readonly Dictionary<string, RequestPurpose> _catalog;
    private readonly Dictionary<string, PurposeClient> _clients;

    public PurposeResolver(IOptions<PurposeOptions> options)
    {
        _catalog = options.Value.Catalog.ToDictionary(
            p => p.Key,
            p => new RequestPurpose(p.Key, LegalBases.ByName[p.Value.Basis], p.Value.WithoutBasis == "mask", ""),
            StringComparer.Ordinal);
        _clients = new Dictionary<string, PurposeClient>(options.Value.Clients, StringComparer.Ordinal);
    }

    public bool TryGet(string name, out RequestPurpose purpose) => _catalog.TryGetValue(name, out purpose!);

    public PurposeResolution Resolve(GatewayIdentity identity, StringValues header)
    {
        var client = identity.ClientId is { } id ? _clients.GetValueOrDefault(id) : null;
        string? declared = null;
        if (header.Count > 0)
        {
            if (client is not { MayDeclare: true })
            {
                return PurposeResolution.Refused("purpose_declaration_not_allowed", "This client may not declare a purpose per request.");
            }
            if (header.Count > 1 || string.IsNullOrWhiteSpace(header[0]))
            {
                return PurposeResolution.Refused("purpose_header_invalid", "Send exactly one purpose.");
            }
            declared = header[0]!.Trim();
        }
        if (declared is not null && identity.Purpose is not null && declared != identity.Purpose)
        {
            return PurposeResolution.Refused("purpose_conflict", "The declared purpose differs from the purpose the token was issued for.");
        }
        var (name, source) = declared is not null ? (declared, "header")
            : identity.Purpose is not null ? (identity.Purpose, "claim")
            : (client?.Default, "client_default");
        if (name is null)
        {
            return PurposeResolution.Refused("purpose_missing", "The request names no purpose: the token carries none and the client has no default.");
        }
        if (!_catalog.TryGetValue(name, out var purpose))
        {
            return PurposeResolution.Refused("purpose_unknown", "The request's purpose is not one the gateway knows.");
        }
        if (client is { Allowed.Count: > 0 } && !client.Allowed.Contains(name, StringComparer.Ordinal) && client.Default != name)
        {
            return PurposeResolution.Refused("purpose_not_allowed", "This client may not request data for this purpose.");
        }
        return new PurposeResolution(purpose with { Source = source }, null, null);
    }
}

/// <summary>Either the purpose, or a reason code and a sentence for a 403 (neither repeats what the caller sent).</summary>
internal sealed record PurposeResolution(RequestPurpose? Purpose, string? Reason, string? Detail)
{
    public static PurposeResolution Refused(string reason, string detail) => new(null, reason, detail);
}
