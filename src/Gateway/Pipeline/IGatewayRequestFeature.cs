using Gateway.Audit;
using Gateway.Consent;
using Gateway.Identity;
using Gateway.Masking;

namespace Gateway.Pipeline;

/// <summary>
/// The one object through which pipeline stages tell each other (and the audit stage)
/// what happened to a request. Stages never use string keys in HttpContext.Items.
/// </summary>
internal interface IGatewayRequestFeature
{
    /// <summary>The stage that refused the request, or null while it is allowed.</summary>
    string? DeniedBy { get; }

    /// <summary>A stable, machine-readable reason code such as <c>path_encoded_slash</c>.</summary>
    string? DenialReason { get; }

    /// <summary>The caller, once the identity stage has validated its token.</summary>
    GatewayIdentity? Identity { get; set; }

    /// <summary>The response the masking stage masks, for YARP's transforms to hand the CRM's response to; null when it masks none.</summary>
    MaskedResponse? MaskedResponse { get; set; }

    /// <summary>What masking did to the response body (records, subjects, fields per class and action, rules version).</summary>
    MaskingReport? MaskingReport { get; set; }

    /// <summary>The caller's quotas for this request: the check, and what its response counted or held back; null when no budget applies.</summary>
    Quota.RequestQuota? Quota { get; set; }

    /// <summary>The purpose the request was accepted for (null while purposes are not configured).</summary>
    Gateway.Purpose.RequestPurpose? Purpose { get; set; }

    /// <summary>
    /// Decides which of the response's records may leave for the request's purpose: set by the
    /// consent stage, used by the masking stage; null when the purpose does not depend on the
    /// subject's word.
    /// </summary>
    ConsentGate? ConsentGate { get; set; }

    /// <summary>Per record of the response: subject (as its keyed hash), basis, decision; set once masking applies the gate.</summary>
    ConsentReport? Consent { get; set; }

    /// <summary>Names (lower case, never values) of the CRM's response headers a masked route did not pass on.</summary>
    IReadOnlyList<string> DroppedResponseHeaders { get; set; }

    /// <summary>Names of the CRM's response trailers a masked route did not pass on.</summary>
    IReadOnlyList<string> DroppedResponseTrailers { get; set; }

    /// <summary>The whole request body as the guard read it (and as the CRM receives it); null when the request has none or it was not read.</summary>
    ReadOnlyMemory<byte>? RequestBody { get; set; }

    /// <summary>What the request does to records (by method, or as its route declares); set by the write policy stage.</summary>
    Gateway.Masking.Rules.RecordOperation? Operation { get; set; }

    /// <summary>What a create, update or delete wrote or tried to write (entity, subjects, field paths and classes, refusal); null for reads.</summary>
    Gateway.Masking.Writes.WriteReport? WriteReport { get; set; }

    void Deny(string stage, string reasonCode);
}
