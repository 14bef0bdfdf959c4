namespace Gateway.Core.Consent;

/// <summary>What the consent stage decided for one response, for the audit event; subjects only as keyed hashes.</summary>
public sealed class ConsentReport(string purpose, string basis, int maxListed)
{
    private readonly List<ConsentDecision> _decisions = [];
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public string Purpose { get; } = purpose;

    public string Basis { get; } = basis;

    /// <summary>The first decisions, up to the report's limit; <see cref="Counts"/> counts them all.</summary>
    public IReadOnlyList<ConsentDecision> Decisions => _decisions;

    /// <summary>Decisions by <c>decision:reason</c>, e.g. <c>removed:withdrawn</c>.</summary>
    public IReadOnlyDictionary<string, int> Counts => _counts;

    /// <summary>The consent store could not be asked, so records were treated as without consent.</summary>
    public bool StoreUnavailable { get; internal set; }

    /// <summary>Called by the response's one gate, batch after batch; read by the audit writer only after the response.</summary>
    internal void Add(ConsentDecision decision)
    {
        if (_decisions.Count < maxListed)
        {
            _decisions.Add(decision);
        }
        var key = $"{decision.Decision}:{decision.Reason}";
        _counts[key] = _counts.GetValueOrDefault(key) + 1;
    }
}

/// <param name="Subject">The subject's keyed hash; null for a record with no subject id.</param>
/// <param name="Decision"><c>allowed</c>, <c>removed</c>, <c>masked</c> or <c>refused</c> (a single record, answered with 451).</param>
/// <param name="Reason">Why: <c>granted</c>, <c>withdrawn</c>, <c>withdrawn_in_crm</c>, <c>no_consent</c>, <c>store_unavailable</c>, ...</param>
public sealed record ConsentDecision(string? Subject, string Decision, string Reason);
