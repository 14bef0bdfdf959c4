namespace Gateway.Masking.Rules;

/// <summary>The rules file as written by the security team, before compilation. Each part keeps its line for error messages.</summary>
internal sealed record RulesDocument(
    int Version,
    IReadOnlyDictionary<string, DataClassDefinition> Classes,
    IReadOnlyDictionary<string, EntityDefinition> Entities,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, ActionDefinition>> Roles,
    ActionDefinition Default);

internal sealed record DataClassDefinition(string Sensitivity, IReadOnlyList<string> Detect, long Line);

internal sealed record EntityDefinition(
    IReadOnlyList<string> Routes,
    IReadOnlyList<string> Records,
    string? Subject,
    IReadOnlyList<FieldDefinition> Fields,
    bool CaseInsensitive,
    long Line)
{
    /// <summary>Fields of the record that carry the subject's own consent or opt-out for some purposes.</summary>
    public IReadOnlyList<ConsentFieldDefinition> Consent { get; init; } = [];

    /// <summary>Numbers in the body that count its records (<c>$.paging.total</c>), lowered when records are withheld.</summary>
    public IReadOnlyList<string> Totals { get; init; } = [];
}

internal sealed record FieldDefinition(string Selector, string Class, long Line);

/// <summary>e.g. <c>"$.hs_email_optout": { purposes: [marketing], means: opt_out }</c>.</summary>
internal sealed record ConsentFieldDefinition(string Selector, IReadOnlyList<string> Purposes, string Means, long Line);

/// <summary>An action with its parameters, e.g. <c>{ action: partial, keep_last: 4 }</c> or just <c>redact</c>.</summary>
internal sealed record ActionDefinition(string Action, IReadOnlyDictionary<string, string> Parameters, long Line);
