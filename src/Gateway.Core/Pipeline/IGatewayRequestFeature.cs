using Gateway.Core.Identity;

namespace Gateway.Core.Pipeline;

/// <summary>
/// The one object through which pipeline stages tell each other (and the audit stage)
/// what happened to a request. Stages never use string keys in HttpContext.Items.
/// </summary>
public interface IGatewayRequestFeature
{
    /// <summary>The stage that refused the request, or null while it is allowed.</summary>
    string? DeniedBy { get; }

    /// <summary>A stable, machine-readable reason code such as <c>path_encoded_slash</c>.</summary>
    string? DenialReason { get; }

    /// <summary>The caller, once the identity stage has validated its token.</summary>
    GatewayIdentity? Identity { get; set; }

    /// <summary>What masking did to the response body (records, subjects, fields per class and action, rules version).</summary>
    Gateway.Core.Masking.MaskingReport? MaskingReport { get; set; }

    void Deny(string stage, string reasonCode);
}
