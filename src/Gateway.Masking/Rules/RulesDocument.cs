namespace Gateway.Masking.Rules;

/// <summary>The rules file as written by the security team, before compilation. Each part keeps its line for error messages.</summary>
internal sealed record RulesDocument(
    int Version,
    IReadOnlyDictionary<string, DataClassDefinition> Classes,
    IReadOnlyDictionary<string, EntityDefinition> Entities,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, ActionDefinition>> Roles,
    ActionDefinition Default)
{
    /// <summary>Who may do what to each entity (the <c>permissions</c> section); null when the file has none.</summary>
    public IReadOnlyList<RolePermissionsDefinition>? Permissions { get; init; }
}

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

    /// <summary>Where records sit in a request body that writes them (<c>write_records</c>); empty means the default, <c>$</c> and <c>$[*]</c>.</summary>
    public IReadOnlyList<string> WriteRecords { get; init; } = [];

    /// <summary>Where, inside a record of a write body, its type is (<c>record_type</c>: Salesforce's <c>$.attributes.type</c>).</summary>
    public string? RecordType { get; init; }

    /// <summary>The record types (<c>record_types</c>) whose records this entity's fields describe.</summary>
    public IReadOnlyList<string> RecordTypes { get; init; } = [];

    /// <summary>The route parameter (<c>subject_in_path: id</c> for <c>{id}</c>) that names the record a write addresses.</summary>
    public string? SubjectInPath { get; init; }
}

internal sealed record FieldDefinition(string Selector, string Class, long Line);

/// <summary>e.g. <c>"$.hs_email_optout": { purposes: [marketing], means: opt_out }</c>.</summary>
internal sealed record ConsentFieldDefinition(string Selector, IReadOnlyList<string> Purposes, string Means, long Line);

/// <summary>An action with its parameters, e.g. <c>{ action: partial, keep_last: 4 }</c> or just <c>redact</c>.</summary>
internal sealed record ActionDefinition(string Action, IReadOnlyDictionary<string, string> Parameters, long Line);

/// <summary>One role's entry under <c>permissions</c> (or <c>*</c>: callers holding none of the roles listed there), its entities in file order.</summary>
internal sealed record RolePermissionsDefinition(string Role, IReadOnlyList<EntityPermissionDefinition> Entities, long Line);

/// <summary>e.g. <c>contact: { operations: [read, update], classes: [name, contact], require_mfa: [] }</c>; <c>Classes</c> is null when not given.</summary>
internal sealed record EntityPermissionDefinition(string Entity, IReadOnlyList<string> Operations, IReadOnlyList<string>? Classes, IReadOnlyList<string> RequireMfa, long Line);
