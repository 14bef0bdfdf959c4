using Gateway.Masking.Actions;

namespace Gateway.Masking.Rules;

/// <summary>
/// Rules ready for use: entities found by route, and for each caller a view of what each data
/// class becomes. Immutable: a reload swaps in a new instance.
/// </summary>
public sealed class CompiledRules
{
    internal const string Unclassified = "unclassified";
    internal const string AnyClass = "*";

    private readonly IReadOnlyList<(string Role, IReadOnlyDictionary<string, Grant> Grants)> _roles;
    private readonly Grant _default;
    private readonly IReadOnlyList<bool> _highSensitivity;

    /// <summary>Every view there can be, built once: per role in file order (last: no listed role), without and with MFA.</summary>
    private readonly MaskingView[] _views;

    /// <param name="highSensitivity">By class index: the class is declared <c>sensitivity: high</c>.</param>
    internal CompiledRules(string version, IReadOnlyList<string> classes, IReadOnlyList<bool> highSensitivity, IReadOnlyList<CompiledEntity> entities,
        IReadOnlyList<(string Role, IReadOnlyDictionary<string, Grant> Grants)> roles, Grant fallback)
    {
        Version = version;
        Classes = classes;
        _highSensitivity = highSensitivity;
        Entities = entities;
        _roles = roles;
        _default = fallback;
        _views = new MaskingView[(roles.Count + 1) * 2];
        for (var role = 0; role <= roles.Count; role++)
        {
            var grants = role < roles.Count ? roles[role].Grants : null;
            _views[role * 2] = BuildView(grants, mfaUsed: false);
            _views[(role * 2) + 1] = BuildView(grants, mfaUsed: true);
        }
        var redact = MaskingActions.ByName["redact"].Create(new Dictionary<string, string>(), new ActionContext([], null), _ => { });
        var allow = MaskingActions.ByName["allow"].Create(new Dictionary<string, string>(), new ActionContext([], null), _ => { });
        string[] withheld = [.. Classes.Select(_ => "redact")];
        WithheldView = new MaskingView([.. Classes.Select(_ => redact)], withheld, allow, "allow", CountKeys(withheld, "allow"), new bool[Classes.Count]);
    }

    /// <summary>
    /// What is left of a record whose subject gave no lawful basis for the request's purpose, when
    /// the purpose masks rather than removes such records: every classified field redacted.
    /// </summary>
    internal MaskingView WithheldView { get; }

    /// <summary>A hash of the rules file, carried by every masking report.</summary>
    public string Version { get; }

    public IReadOnlyList<string> Classes { get; }

    public IReadOnlyList<CompiledEntity> Entities { get; }

    public IEnumerable<string> Roles => _roles.Select(r => r.Role);

    /// <summary>The first entity whose routes match the request path, or null.</summary>
    public CompiledEntity? EntityFor(string path)
    {
        for (var e = 0; e < Entities.Count; e++)
        {
            var routes = Entities[e].Routes;
            for (var r = 0; r < routes.Count; r++)
            {
                if (routes[r].Matches(path))
                {
                    return Entities[e];
                }
            }
        }
        return null;
    }

    /// <summary>
    /// What this caller sees of each class: decided by the first role in the rules file the
    /// caller holds (so the file's order is the tie-break); a caller with none of them gets the default for everything.
    /// </summary>
    public MaskingView ViewFor(IReadOnlySet<string> callerRoles, bool mfaUsed)
    {
        var role = 0;
        while (role < _roles.Count && !callerRoles.Contains(_roles[role].Role))
        {
            role++;
        }
        return _views[(role * 2) + (mfaUsed ? 1 : 0)];
    }

    private MaskingView BuildView(IReadOnlyDictionary<string, Grant>? grants, bool mfaUsed)
    {
        var masks = new ValueMask[Classes.Count];
        var actions = new string[Classes.Count];
        for (var i = 0; i < Classes.Count; i++)
        {
            (masks[i], actions[i]) = Resolve(grants, Classes[i]).For(mfaUsed);
        }
        var (unclassifiedMask, unclassifiedAction) = Resolve(grants, Unclassified).For(mfaUsed);
        var clearHigh = new bool[Classes.Count];
        for (var i = 0; i < Classes.Count; i++)
        {
            clearHigh[i] = _highSensitivity[i] && masks[i].Copies;
        }
        return new MaskingView(masks, actions, unclassifiedMask, unclassifiedAction, CountKeys(actions, unclassifiedAction), clearHigh);
    }

    /// <summary>The report's <c>class:action</c> names, made once per view instead of once per response.</summary>
    private string[] CountKeys(IReadOnlyList<string> actions, string unclassifiedAction) =>
        [.. Classes.Select((name, i) => $"{name}:{actions[i]}"), $"{Unclassified}:{unclassifiedAction}"];

    private Grant Resolve(IReadOnlyDictionary<string, Grant>? grants, string className) =>
        grants is null ? _default
        : grants.TryGetValue(className, out var grant) ? grant
        : grants.TryGetValue(AnyClass, out var any) ? any
        : _default;
}

/// <summary>An action for one role and class, with its fallback when the rule requires MFA the caller lacks.</summary>
internal sealed record Grant(ValueMask WithMfa, string ActionWithMfa, ValueMask WithoutMfa, string ActionWithoutMfa)
{
    public (ValueMask Mask, string Action) For(bool mfaUsed) => mfaUsed ? (WithMfa, ActionWithMfa) : (WithoutMfa, ActionWithoutMfa);
}

/// <summary>
/// One caller's masks, by class index, plus the mask for record fields no selector classifies;
/// <see cref="CountKeys"/> are the names the masking report counts under (<c>class:action</c>),
/// by class index, then unclassified fields. Other assemblies only pass it to the masker.
/// </summary>
public sealed record MaskingView
{
    internal MaskingView(IReadOnlyList<ValueMask> masks, IReadOnlyList<string> actions, ValueMask unclassifiedMask, string unclassifiedAction, IReadOnlyList<string> countKeys, bool[] clearHigh)
    {
        ClearHigh = clearHigh;
        Masks = masks;
        Actions = actions;
        UnclassifiedMask = unclassifiedMask;
        UnclassifiedAction = unclassifiedAction;
        CountKeys = countKeys;
    }

    internal IReadOnlyList<ValueMask> Masks { get; }

    internal IReadOnlyList<string> Actions { get; }

    internal ValueMask UnclassifiedMask { get; }

    internal string UnclassifiedAction { get; }

    internal IReadOnlyList<string> CountKeys { get; }

    /// <summary>By class index: the class is of high sensitivity and this caller gets its values as they are (quotas count them).</summary>
    internal bool[] ClearHigh { get; }
}

/// <summary>Where one kind of CRM record lives and what class each of its fields is. Other assemblies only pass it to the masker.</summary>
public sealed record CompiledEntity
{
    internal CompiledEntity(
        string name,
        IReadOnlyList<RoutePattern> routes,
        IReadOnlyList<JsonPathSelector> records,
        JsonPathSelector? subject,
        IReadOnlyList<(JsonPathSelector Selector, int ClassIndex)> fields,
        bool caseInsensitive)
    {
        Name = name;
        Routes = routes;
        Records = records;
        Subject = subject;
        Fields = fields;
        CaseInsensitive = caseInsensitive;
    }

    public string Name { get; }

    internal IReadOnlyList<RoutePattern> Routes { get; }

    internal IReadOnlyList<JsonPathSelector> Records { get; }

    internal JsonPathSelector? Subject { get; }

    internal IReadOnlyList<(JsonPathSelector Selector, int ClassIndex)> Fields { get; }

    internal bool CaseInsensitive { get; }

    /// <summary>Record fields holding the subject's own consent or opt-out (selectors from the record's root).</summary>
    internal IReadOnlyList<ConsentField> ConsentFields { get; init; } = [];

    /// <summary>Record counts in the body (selectors from the body's root), lowered when records are withheld.</summary>
    internal IReadOnlyList<JsonPathSelector> Totals { get; init; } = [];

    /// <summary>
    /// Every selector as one automaton, immutable and built once with the rules (the compiler
    /// builds it first and refuses rules it cannot be built for), not for every body masked.
    /// </summary>
    internal Masking.PathAutomaton Automaton
    {
        get => field ??= Masking.PathAutomaton.Build(this, out var error) ?? throw new Masking.MaskingException("rules_too_complex", $"Entity '{Name}': {error}");
        set;
    }

    /// <summary>The same entity with the body's root as its one record: masks a record cut out of a larger body.</summary>
    internal CompiledEntity SingleRecord => field ??= new CompiledEntity(Name, Routes, [JsonPathSelector.Parse("$", out _)!], Subject, Fields, CaseInsensitive);
}

/// <summary>A record field that tells, for some purposes, whether the subject agreed (<see cref="OptIn"/>: true means yes) or refused (opt-out: true means no).</summary>
internal sealed record ConsentField(JsonPathSelector Selector, IReadOnlySet<string> Purposes, bool OptIn);
