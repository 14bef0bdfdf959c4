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

    /// <summary>By class index: the class is declared <c>sensitivity: high</c>.</summary>
    private readonly IReadOnlyList<bool> _highSensitivity;

    /// <summary>Every view there can be, built once: per role in file order (last: no listed role), without and with MFA.</summary>
    private readonly MaskingView[] _views;

    private readonly PermissionsCompiler.Result _permissions;
    private readonly IReadOnlyDictionary<string, CompiledEntity> _entitiesByRecordType;

    internal CompiledRules(string version, IReadOnlyList<string> classes, IReadOnlyList<CompiledEntity> entities,
        IReadOnlyList<(string Role, IReadOnlyDictionary<string, Grant> Grants)> roles, Grant fallback, PermissionsCompiler.Result permissions, IReadOnlyList<bool>? highSensitivity = null)
    {
        _permissions = permissions;
        _entitiesByRecordType = entities
            .SelectMany(entity => entity.RecordTypes.Select(type => (type, entity)))
            .ToDictionary(pair => pair.type, pair => pair.entity, StringComparer.OrdinalIgnoreCase);
        Version = version;
        Classes = classes;
        _highSensitivity = highSensitivity ?? new bool[classes.Count];
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
        WithheldView = new MaskingView([.. Classes.Select(_ => redact)], withheld, allow, "allow", CountKeys(withheld, "allow"), new string?[Classes.Count]);
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

    /// <summary>The file has a <c>permissions</c> section. Without one every caller reads and nobody writes.</summary>
    public bool HasPermissions => _permissions.Roles.Count > 0 || _permissions.OtherCallers is not null;

    /// <summary>What is valid but worth knowing about the file (for <c>gatewayctl rules validate</c>): no permissions section, roles without permissions.</summary>
    public IReadOnlyList<string> Notices => _permissions.Notices;

    /// <summary>The roles listed under <c>permissions</c>, in file order (the first a caller holds decides).</summary>
    public IEnumerable<string> PermissionRoles => _permissions.Roles.Select(role => role.Role!);

    /// <summary>
    /// What this caller may do: decided by the first role under <c>permissions</c> (file order) it
    /// holds, or by the <c>*</c> entry when it holds none; nothing at all without that entry. A file
    /// without the section lets every caller read and nobody write.
    /// </summary>
    public RolePermissions PermissionsFor(IReadOnlySet<string> callerRoles)
    {
        if (!HasPermissions)
        {
            return RolePermissions.ReadOnly;
        }
        foreach (var role in _permissions.Roles)
        {
            if (callerRoles.Contains(role.Role!))
            {
                return role;
            }
        }
        return _permissions.OtherCallers ?? RolePermissions.Nothing;
    }

    /// <summary>What a view does to a class when reading (its action's name); <c>unclassified</c> for fields no selector classifies.</summary>
    /// <exception cref="ArgumentException"><paramref name="className"/> is neither a class of the file nor <c>unclassified</c>.</exception>
    public string ReadActionFor(MaskingView view, string className) =>
        className == Unclassified ? view.UnclassifiedAction : view.Actions[ClassIndex(className)];

    /// <summary>Whether the permissions may write a class of an entity (for <c>gatewayctl rules explain</c>); <c>unclassified</c> too.</summary>
    /// <exception cref="ArgumentException"><paramref name="className"/> is neither a class of the file nor <c>unclassified</c>.</exception>
    public ClassWriteAccess WriteAccessFor(RolePermissions permissions, CompiledEntity entity, string className)
    {
        var permission = permissions.For(entity);
        if (!permission.Allows(RecordOperation.Create) && !permission.Allows(RecordOperation.Update))
        {
            return ClassWriteAccess.No;
        }
        return permission.AccessTo(className == Unclassified ? Classes.Count : ClassIndex(className)) switch
        {
            EntityPermission.Writable => ClassWriteAccess.Yes,
            EntityPermission.WritableWithMfa => ClassWriteAccess.WithMfa,
            _ => ClassWriteAccess.No,
        };
    }

    private int ClassIndex(string className)
    {
        for (var i = 0; i < Classes.Count; i++)
        {
            if (Classes[i] == className)
            {
                return i;
            }
        }
        throw new ArgumentException($"'{className}' is not a class of these rules.", nameof(className));
    }

    /// <summary>The entity whose <c>record_types</c> names <paramref name="type"/> (without regard to case), or null.</summary>
    internal CompiledEntity? EntityForRecordType(string type) => _entitiesByRecordType.GetValueOrDefault(type);

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

    /// <summary>The classes of <paramref name="entityName"/>'s fields this caller receives in clear (action allow), in class order; none for an entity the rules do not know.</summary>
    public IReadOnlyList<string> ClassesInClear(IReadOnlySet<string> callerRoles, bool mfaUsed, string entityName)
    {
        if (Entities.FirstOrDefault(e => e.Name == entityName) is not { } entity)
        {
            return [];
        }
        var view = ViewFor(callerRoles, mfaUsed);
        return [.. Classes.Where((_, index) => view.Actions[index] == "allow" && entity.Fields.Any(field => field.ClassIndex == index))];
    }

    /// <summary>What the <paramref name="roleIndex"/>-th role of the file (its count: any other role) gets of each class, without and with MFA, by class index then unclassified.</summary>
    internal (MaskingView WithoutMfa, MaskingView WithMfa) ViewsOf(int roleIndex) => (_views[roleIndex * 2], _views[(roleIndex * 2) + 1]);

    private MaskingView BuildView(IReadOnlyDictionary<string, Grant>? grants, bool mfaUsed)
    {
        var masks = new ValueMask[Classes.Count];
        var actions = new string[Classes.Count];
        for (var i = 0; i < Classes.Count; i++)
        {
            (masks[i], actions[i]) = Resolve(grants, Classes[i]).For(mfaUsed);
        }
        var (unclassifiedMask, unclassifiedAction) = Resolve(grants, Unclassified).For(mfaUsed);
        // Only a value copied as it came is in clear; what any other action writes is not.
        var clearKeys = Classes.Select((name, i) => _highSensitivity[i] && masks[i].Copies ? name : null).ToArray();
        return new MaskingView(masks, actions, unclassifiedMask, unclassifiedAction, CountKeys(actions, unclassifiedAction), clearKeys);
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
    internal MaskingView(IReadOnlyList<ValueMask> masks, IReadOnlyList<string> actions, ValueMask unclassifiedMask, string unclassifiedAction, IReadOnlyList<string> countKeys, IReadOnlyList<string?> clearKeys)
    {
        ClearKeys = clearKeys;
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

    /// <summary>By class index: the class's name where its values leave in clear and it is of high sensitivity (the report counts them), else null.</summary>
    internal IReadOnlyList<string?> ClearKeys { get; }
}

/// <summary>Whether a role may write a class: not at all, yes, or only when the caller used MFA.</summary>
public enum ClassWriteAccess
{
    No,
    Yes,
    WithMfa,
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

    /// <summary>Where records sit in a body that writes them (<c>write_records</c>); empty: the body is one record, or a list of them.</summary>
    internal IReadOnlyList<JsonPathSelector> WriteRecords { get; init; } = [];

    /// <summary>The names leading, inside a record of a write body, to its type (<c>record_type</c>); empty when records are not typed.</summary>
    internal IReadOnlyList<string> RecordTypePath { get; init; } = [];

    /// <summary>The record types whose records this entity's fields describe (<c>record_types</c>).</summary>
    internal IReadOnlyList<string> RecordTypes { get; init; } = [];

    /// <summary>The route parameter naming the record a write addresses (<c>subject_in_path</c>), or null.</summary>
    internal string? SubjectInPath { get; init; }

    /// <summary>The automaton a write body is walked with when the rules say where its records are; built with the rules.</summary>
    internal Masking.PathAutomaton? WriteAutomaton { get; set; }

    /// <summary>A write body that is one record: its root. Also where a JSON Patch's pointers start.</summary>
    internal Masking.PathAutomaton RecordAutomaton => SingleRecord.Automaton;

    /// <summary>A write body that is a list of records, <c>[{...}, {...}]</c>.</summary>
    internal Masking.PathAutomaton ListAutomaton
    {
        get => field ??= Masking.PathAutomaton.Build(new CompiledEntity(Name, Routes, [JsonPathSelector.Parse("$[*]", out _)!], Subject, Fields, CaseInsensitive), out var error)
            ?? throw new Masking.MaskingException("rules_too_complex", $"Entity '{Name}': {error}");
        set;
    }

    /// <summary>The record a write addresses by its path (<c>/api/contacts/{id}</c> with <c>subject_in_path: id</c>), or null.</summary>
    public string? SubjectFromPath(string path)
    {
        if (SubjectInPath is null)
        {
            return null;
        }
        foreach (var route in Routes)
        {
            if (route.Matches(path) && route.Parameter(path, SubjectInPath) is { } value)
            {
                return value;
            }
        }
        return null;
    }
}

/// <summary>A record field that tells, for some purposes, whether the subject agreed (<see cref="OptIn"/>: true means yes) or refused (opt-out: true means no).</summary>
internal sealed record ConsentField(JsonPathSelector Selector, IReadOnlySet<string> Purposes, bool OptIn);
