using Gateway.Masking;
using Gateway.Masking.Rules;

namespace Gateway.Masking;

/// <summary>
/// One masked request: the rules, entity and view chosen before forwarding, and, once the CRM
/// answered, where YARP writes the body (handed to a masking task as it arrives, or, for a small body, a
/// buffer masked once YARP is done) and the real response it is masked onto.
/// Kept as a typed request feature.
/// </summary>
internal sealed class ResponseMaskingContext(CompiledRules rules, CompiledEntity entity, MaskingView view)
{
    public CompiledRules Rules { get; } = rules;

    public CompiledEntity Entity { get; } = entity;

    public MaskingView View { get; } = view;

    /// <summary>Decides which records may leave for the request's purpose; null when the purpose does not depend on the subject's word.</summary>
    public Consent.ConsentGate? Gate { get; init; }

    /// <summary>Where YARP writes a body that is masked as it streams.</summary>
    public BodyHandoff? Body { get; set; }

    /// <summary>Where YARP writes a small body, masked whole once YARP is done.</summary>
    public HeldUpstreamBody? HeldBody { get; set; }

    /// <summary>Where YARP writes a body the masker does not read (declared empty, or passed unmasked by the route's declaration).</summary>
    public GuardedBody? Guarded { get; set; }

    /// <summary>The CRM body's Content-Encoding, which the masker decodes.</summary>
    public string? ContentEncoding { get; set; }

    /// <summary>The real response body, while YARP writes into <see cref="Body"/> or <see cref="HeldBody"/> instead.</summary>
    public Stream? ClientBody { get; set; }

    /// <summary>The task masking a streamed body (<see cref="Body"/>) as it arrives.</summary>
    public Task<MaskingReport>? Masking { get; set; }
}
