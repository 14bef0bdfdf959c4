using System.IO.Pipelines;
using Gateway.Core.Masking;
using Gateway.Core.Rules;

namespace Gateway.Core.ResponseMasking;

/// <summary>
/// One masked request: the rules, entity and view chosen before forwarding, and, once the CRM
/// answered, the pipe YARP writes the body into and the task masking it onto the real response.
/// Kept as a typed request feature.
/// </summary>
internal sealed class ResponseMaskingContext(CompiledRules rules, CompiledEntity entity, MaskingView view)
{
    public CompiledRules Rules { get; } = rules;

    public CompiledEntity Entity { get; } = entity;

    public MaskingView View { get; } = view;

    /// <summary>Decides which records may leave for the request's purpose; null when the purpose does not depend on the subject's word.</summary>
    public Consent.ConsentGate? Gate { get; init; }

    public Pipe? Body { get; set; }

    /// <summary>The real response body, while YARP writes into <see cref="Body"/> instead.</summary>
    public Stream? ClientBody { get; set; }

    public Task<MaskingReport>? Masking { get; set; }
}
