using System.Security.Cryptography;
using System.Text;
using Gateway.Masking.Actions;

namespace Gateway.Masking.Rules;

/// <summary>Turns the security team's YAML into <see cref="CompiledRules"/>, or a <see cref="RulesException"/> listing every error.</summary>
public static class RulesCompiler
{
    private static readonly HashSet<string> GrantKeys = ["require_mfa", "otherwise"];

    /// <param name="hashKey">The key of the <c>hash</c> action; null when none is configured (then rules using hash are invalid).</param>
    public static CompiledRules Compile(string yaml, byte[]? hashKey)
    {
        var errors = new RuleErrors();
        var document = RulesParser.Parse(yaml, errors);
        if (document is null)
        {
            throw new RulesException(errors.All);
        }
        // Structural errors do not stop here: the security team gets every error of the file at once.
        var classes = document.Classes.Keys.ToList();
        CheckClasses(document, errors);
        var entities = document.Entities.Select(e => CompileEntity(e.Key, e.Value, classes, errors)).ToList();
        var roles = document.Roles.Select(r => (r.Key, (IReadOnlyDictionary<string, Grant>)r.Value.ToDictionary(
            g => g.Key,
            g => CompileGrant($"roles.{r.Key}.{g.Key}", g.Key, g.Value, document, hashKey, errors),
            StringComparer.Ordinal))).ToList();
        foreach (var (role, grants) in document.Roles)
        {
            foreach (var (className, action) in grants)
            {
                if (className is not (CompiledRules.AnyClass or CompiledRules.Unclassified) && !document.Classes.ContainsKey(className))
                {
                    errors.Add($"roles.{role}.{className}", action.Line, $"'{className}' is not a class defined under classes (nor * or unclassified).");
                }
            }
        }
        var fallback = CompileGrant("default", CompiledRules.AnyClass, document.Default, document, hashKey, errors);
        if (document.Default.Action == "allow")
        {
            errors.Add("default", document.Default.Line, "must not be allow: a class nobody granted must not leave in clear.");
        }
        if (errors.Any)
        {
            throw new RulesException(errors.All);
        }
        var highSensitivity = classes.Select(name => document.Classes[name].Sensitivity == "high").ToList();
        return new CompiledRules(VersionOf(yaml), classes, highSensitivity, entities, roles, fallback);
    }

    private static void CheckClasses(RulesDocument document, RuleErrors errors)
    {
        foreach (var (name, definition) in document.Classes)
        {
            if (name is CompiledRules.AnyClass or CompiledRules.Unclassified)
            {
                errors.Add($"classes.{name}", definition.Line, $"'{name}' is reserved and cannot be a class name.");
            }
            for (var i = 0; i < definition.Detect.Count; i++)
            {
                if (!PiiDetectors.Names.Contains(definition.Detect[i]))
                {
                    errors.Add($"classes.{name}.detect[{i}]", definition.Line, $"'{definition.Detect[i]}' is not a detector; use {string.Join(", ", PiiDetectors.Names)}.");
                }
            }
        }
    }

    private static CompiledEntity CompileEntity(string name, EntityDefinition entity, List<string> classes, RuleErrors errors)
    {
        var path = $"entities.{name}";
        var routes = new List<RoutePattern>();
        for (var i = 0; i < entity.Routes.Count; i++)
        {
            if (RoutePattern.Parse(entity.Routes[i], out var error) is { } route)
            {
                routes.Add(route);
            }
            else
            {
                errors.Add($"{path}.routes[{i}]", entity.Line, error!);
            }
        }
        var records = new List<JsonPathSelector>();
        for (var i = 0; i < entity.Records.Count; i++)
        {
            if (Selector(entity.Records[i], $"{path}.records[{i}]", entity.Line, errors) is { } record)
            {
                if (record.Anywhere)
                {
                    errors.Add($"{path}.records[{i}]", entity.Line, "records are located from the body's root: start with $.");
                }
                records.Add(record);
            }
        }
        if (routes.Count == 0 || records.Count == 0)
        {
            errors.Add(path, entity.Line, "needs at least one route and one records selector.");
        }
        var subject = entity.Subject is null ? null : Selector(entity.Subject, $"{path}.subject", entity.Line, errors);
        var fields = new List<(JsonPathSelector, int)>();
        foreach (var field in entity.Fields)
        {
            var fieldPath = $"{path}.fields[\"{field.Selector}\"]";
            var classIndex = classes.IndexOf(field.Class);
            if (classIndex < 0)
            {
                errors.Add(fieldPath, field.Line, $"'{field.Class}' is not a class defined under classes.");
            }
            if (Selector(field.Selector, fieldPath, field.Line, errors) is { } selector && classIndex >= 0)
            {
                fields.Add((selector, classIndex));
            }
        }
        var consent = new List<ConsentField>();
        foreach (var field in entity.Consent)
        {
            var fieldPath = $"{path}.consent[\"{field.Selector}\"]";
            if (subject is null)
            {
                errors.Add(fieldPath, field.Line, "consent fields need the entity's subject selector: consent belongs to a data subject.");
            }
            if (field.Purposes.Count == 0)
            {
                errors.Add($"{fieldPath}.purposes", field.Line, "must name at least one purpose.");
            }
            if (Selector(field.Selector, fieldPath, field.Line, errors) is { } selector)
            {
                consent.Add(new ConsentField(selector, field.Purposes.ToHashSet(StringComparer.Ordinal), field.Means == "opt_in"));
            }
        }
        var totals = new List<JsonPathSelector>();
        for (var i = 0; i < entity.Totals.Count; i++)
        {
            if (Selector(entity.Totals[i], $"{path}.totals[{i}]", entity.Line, errors) is { } total)
            {
                if (total.Anywhere)
                {
                    errors.Add($"{path}.totals[{i}]", entity.Line, "totals are located from the body's root: start with $.");
                }
                totals.Add(total);
            }
        }
        var compiled = new CompiledEntity(name, routes, records, subject, fields, entity.CaseInsensitive) { ConsentFields = consent, Totals = totals };
        if (Masking.PathAutomaton.Build(compiled, out var tooComplex) is { } automaton)
        {
            compiled.Automaton = automaton;
        }
        else
        {
            errors.Add(path, entity.Line, tooComplex!);
        }
        return compiled;
    }

    private static JsonPathSelector? Selector(string text, string path, long line, RuleErrors errors)
    {
        var selector = JsonPathSelector.Parse(text, out var error);
        if (selector is null)
        {
            errors.Add(path, line, $"'{text}': {error}");
        }
        return selector;
    }

    private static Grant CompileGrant(string path, string className, ActionDefinition definition, RulesDocument document, byte[]? hashKey, RuleErrors errors)
    {
        var detectors = document.Classes.TryGetValue(className, out var dataClass) ? dataClass.Detect : [];
        var context = new ActionContext(detectors, hashKey);
        var mask = CreateMask(path, definition.Action, definition.Parameters.Where(p => !GrantKeys.Contains(p.Key)).ToDictionary(), definition.Line, context, errors);
        var requireMfa = definition.Parameters.GetValueOrDefault("require_mfa", "false");
        if (requireMfa is not ("true" or "false"))
        {
            errors.Add($"{path}.require_mfa", definition.Line, "must be true or false.");
        }
        if (requireMfa != "true")
        {
            if (definition.Parameters.ContainsKey("otherwise"))
            {
                errors.Add($"{path}.otherwise", definition.Line, "only applies with require_mfa: true.");
            }
            return new Grant(mask, definition.Action, mask, definition.Action);
        }
        var otherwise = definition.Parameters.GetValueOrDefault("otherwise", "redact");
        var fallback = CreateMask($"{path}.otherwise", otherwise, new Dictionary<string, string>(), definition.Line, context, errors);
        return new Grant(mask, definition.Action, fallback, otherwise);
    }

    private static ValueMask CreateMask(string path, string actionName, IReadOnlyDictionary<string, string> parameters, long line, ActionContext context, RuleErrors errors)
    {
        if (!MaskingActions.ByName.TryGetValue(actionName, out var action))
        {
            errors.Add(path, line, $"'{actionName}' is not an action; use {string.Join(", ", MaskingActions.ByName.Keys)}.");
            return MaskingActions.ByName["redact"].Create(parameters, context, _ => { });
        }
        foreach (var parameter in parameters.Keys.Where(p => !action.Parameters.Contains(p)))
        {
            errors.Add($"{path}.{parameter}", line, $"{actionName} takes no '{parameter}'{(action.Parameters.Count > 0 ? $"; it takes {string.Join(", ", action.Parameters)}" : "")}.");
        }
        return action.Create(parameters, context, message => errors.Add(path, line, message));
    }

    private static string VersionOf(string yaml) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(yaml)))[..16];
}
