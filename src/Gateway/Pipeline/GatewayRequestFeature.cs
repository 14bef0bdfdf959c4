using Gateway.Audit;
using Gateway.Consent;
using Gateway.Identity;
using Gateway.Masking;

namespace Gateway.Pipeline;

internal sealed class GatewayRequestFeature : IGatewayRequestFeature
{
    public string? DeniedBy { get; private set; }

    public string? DenialReason { get; private set; }

    public GatewayIdentity? Identity { get; set; }

    public MaskedResponse? MaskedResponse { get; set; }

    public MaskingReport? MaskingReport { get; set; }

    public Gateway.Purpose.RequestPurpose? Purpose { get; set; }

    public Quota.RequestQuota? Quota { get; set; }

    public ConsentGate? ConsentGate { get; set; }

    public ConsentReport? Consent { get; set; }

    public IReadOnlyList<string> DroppedResponseHeaders { get; set; } = [];

    public IReadOnlyList<string> DroppedResponseTrailers { get; set; } = [];

    public ReadOnlyMemory<byte>? RequestBody { get; set; }

    public Gateway.Masking.Rules.RecordOperation? Operation { get; set; }

    public Gateway.Masking.Writes.WriteReport? WriteReport { get; set; }

    public void Deny(string stage, string reasonCode)
    {
        DeniedBy ??= stage;
        DenialReason ??= reasonCode;
    }

    public static IGatewayRequestFeature GetOrCreate(HttpContext context)
    {
        var feature = context.Features.Get<IGatewayRequestFeature>();
        if (feature is null)
        {
            feature = new GatewayRequestFeature();
            context.Features.Set(feature);
        }
        return feature;
    }
}
