using Gateway.Audit;
using Gateway.Masking;
using Gateway.Pipeline;

namespace Gateway.Consent;

/// <summary>
/// After the purpose stage: a request whose purpose depends on the subject's word (consent,
/// legitimate interest) gets the gate that decides, record by record, what of its response may
/// leave. The masking stage applies it to the body.
/// </summary>
internal sealed class ConsentMiddleware(RequestDelegate next, ConsentGates gates, IAuditTrail audit)
{
    /// <summary>As many decisions are listed as the masker lists subjects (RulesProvider): none while auditing is off, as no event would carry them.</summary>
    private readonly int _maxListed = audit.KeepsEvents ? new MaskingLimits().MaxReportedSubjects : 0;

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IGatewayRequestFeature>() is { Purpose: { } purpose } feature)
        {
            feature.ConsentGate = gates.For(purpose, _maxListed);
        }
        return next(context);
    }
}
