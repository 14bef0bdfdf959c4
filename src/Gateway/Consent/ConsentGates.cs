using Gateway.Purpose;
using Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace Gateway.Consent;

/// <summary>Makes the gate of one response, for purposes whose basis depends on the subject's word (none for contract or legal obligation).</summary>
internal sealed class ConsentGates(ConsentLookup lookup, ConsentSubjectKey subjectKey, IOptions<ConsentOptions> options, GatewayMetrics metrics, TimeProvider time)
{
    public ConsentGate? For(RequestPurpose? purpose, int maxListed) =>
        purpose is { Basis: var basis } && basis.DependsOnSubject()
            ? new ConsentGate(purpose, lookup, subjectKey, options.Value, metrics, time, maxListed)
            : null;
}
