namespace Gateway.Purpose;

/// <summary>
/// <c>Gateway:Purposes</c>: why data may be requested. Every proxied request must name one purpose
/// of the catalog (token claim, client default, or X-Purpose from a client allowed to declare one).
/// With an empty catalog the purpose and consent stages are off (and a warning says so at start).
/// </summary>
internal sealed class PurposeOptions
{
    public const string Section = "Gateway:Purposes";

    /// <summary>Purpose name (as tokens and headers carry it) to its legal basis and what befalls records without one.</summary>
    public Dictionary<string, PurposeDefinition> Catalog { get; set; } = [];

    /// <summary>Header through which clients with <see cref="PurposeClient.MayDeclare"/> name the purpose per request.</summary>
    public string Header { get; set; } = "X-Purpose";

    /// <summary>OAuth client id (the token's client_id or azp) to what that client may use.</summary>
    public Dictionary<string, PurposeClient> Clients { get; set; } = [];

    public bool Enabled => Catalog.Count > 0;
}

internal sealed class PurposeDefinition
{
    /// <summary><c>consent</c>, <c>contract</c>, <c>legal_obligation</c> or <c>legitimate_interest</c>.</summary>
    public string Basis { get; set; } = "";

    /// <summary><c>remove</c> (records leave lists; a single record is refused with 451) or <c>mask</c> (every classified field redacted).</summary>
    public string WithoutBasis { get; set; } = "remove";
}

internal sealed class PurposeClient
{
    /// <summary>The purpose of this client's requests that name none.</summary>
    public string? Default { get; set; }

    /// <summary>The only purposes this client may use; empty: any purpose of the catalog.</summary>
    public List<string> Allowed { get; set; } = [];

    /// <summary>Whether this client may name the purpose per request with the purpose header.</summary>
    public bool MayDeclare { get; set; }
}
