using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Masking.Rules;

/// <summary>
/// Reads the rules YAML into a <see cref="RulesDocument"/>, collecting every structural problem
/// (unknown keys, wrong shapes) with its path and line instead of stopping at the first.
/// </summary>
internal static class RulesParser
{
    private static readonly HashSet<string> TopLevelKeys = ["version", "classes", "entities", "roles", "default", "permissions"];
    private static readonly HashSet<string> ClassKeys = ["sensitivity", "detect"];
    private static readonly HashSet<string> EntityKeys =
        ["routes", "records", "subject", "fields", "case_insensitive", "consent", "totals", "write_records", "record_type", "record_types", "subject_in_path"];
    private static readonly HashSet<string> PermissionKeys = ["operations", "classes", "require_mfa"];
    private static readonly HashSet<string> ConsentFieldKeys = ["purposes", "means"];

    public static RulesDocument? Parse(string yaml, RuleErrors errors)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            errors.Add("(file)", ex.Start, $"not valid YAML: {ex.Message}");
            return null;
        }
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            errors.Add("(file)", 0, "must hold exactly one YAML document, a mapping with version, classes, entities, roles and default.");
            return null;
        }
        CheckKeys(root, TopLevelKeys, "", errors);

        var version = Scalar(root, "version", "version", errors, required: true) is { } v && int.TryParse(v, out var parsed) ? parsed : 0;
        if (version != 1)
        {
            errors.Add("version", Line(root, "version"), "must be 1.");
        }
        var classes = Map(root, "classes", "classes", errors, (node, path) => ParseClass(node, path, errors));
        var entities = Map(root, "entities", "entities", errors, (node, path) => ParseEntity(node, path, errors));
        var roles = Map(root, "roles", "roles", errors, (node, path) =>
            node is YamlMappingNode grants
                ? (IReadOnlyDictionary<string, ActionDefinition>)grants.Children
                    .Select(pair => (Class: Key(pair.Key), Action: ParseAction(pair.Value, $"{path}.{Key(pair.Key)}", errors)))
                    .Where(grant => grant.Action is not null)
                    .ToDictionary(grant => grant.Class, grant => grant.Action!, StringComparer.Ordinal)
                : Invalid<IReadOnlyDictionary<string, ActionDefinition>?>(errors, path, node, "must map data classes to actions."));
        var fallback = root.Children.TryGetValue(new YamlScalarNode("default"), out var defaultNode)
            ? ParseAction(defaultNode, "default", errors) ?? NoAction
            : Missing(errors, "default", "is required: what a role sees of a class nobody granted it (usually redact).");
        return new RulesDocument(version, classes, entities, roles, fallback) { Permissions = ParsePermissions(root, errors) };
    }

    /// <summary>The <c>permissions</c> section, roles and entities in file order (the first role a caller holds decides); null when the file has none.</summary>
    private static List<RolePermissionsDefinition>? ParsePermissions(YamlMappingNode root, RuleErrors errors)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode("permissions"), out var node))
        {
            return null;
        }
        var roles = new List<RolePermissionsDefinition>();
        if (node is not YamlMappingNode roleMap)
        {
            errors.Add("permissions", node.Start.Line, "must map roles to entities, e.g. support-agent: { contact: { operations: [read, update], classes: [contact] } }.");
            return roles;
        }
        foreach (var (roleKey, roleNode) in roleMap.Children)
        {
            var role = Key(roleKey);
            var rolePath = $"permissions.{role}";
            if (roleNode is not YamlMappingNode entityMap)
            {
                errors.Add(rolePath, roleNode.Start.Line, "must map entities (or *) to { operations: [...], classes: [...] }.");
                continue;
            }
            var entities = new List<EntityPermissionDefinition>();
            foreach (var (entityKey, grantNode) in entityMap.Children)
            {
                var entity = Key(entityKey);
                var path = $"{rolePath}.{entity}";
                if (grantNode is not YamlMappingNode grant)
                {
                    errors.Add(path, grantNode.Start.Line, "must be a mapping such as { operations: [read, update], classes: [contact] }.");
                    continue;
                }
                CheckKeys(grant, PermissionKeys, path, errors);
                var classes = grant.Children.ContainsKey(new YamlScalarNode("classes")) ? Strings(grant, "classes", $"{path}.classes", errors) : null;
                entities.Add(new EntityPermissionDefinition(
                    entity,
                    Strings(grant, "operations", $"{path}.operations", errors, required: true),
                    classes,
                    Strings(grant, "require_mfa", $"{path}.require_mfa", errors),
                    grant.Start.Line));
            }
            roles.Add(new RolePermissionsDefinition(role, entities, roleNode.Start.Line));
        }
        return roles;
    }

    private static DataClassDefinition? ParseClass(YamlNode node, string path, RuleErrors errors)
    {
        if (node is not YamlMappingNode mapping)
        {
            return Invalid<DataClassDefinition?>(errors, path, node, "must be a mapping such as { sensitivity: high }.");
        }
        CheckKeys(mapping, ClassKeys, path, errors);
        var sensitivity = Scalar(mapping, "sensitivity", $"{path}.sensitivity", errors, required: true) ?? "";
        if (sensitivity is not ("low" or "medium" or "high") && sensitivity.Length > 0)
        {
            errors.Add($"{path}.sensitivity", node.Start, $"'{sensitivity}' is not low, medium or high.");
        }
        return new DataClassDefinition(sensitivity, Strings(mapping, "detect", $"{path}.detect", errors), node.Start.Line);
    }

    private static EntityDefinition? ParseEntity(YamlNode node, string path, RuleErrors errors)
    {
        if (node is not YamlMappingNode mapping)
        {
            return Invalid<EntityDefinition?>(errors, path, node, "must be a mapping with routes, records, subject and fields.");
        }
        CheckKeys(mapping, EntityKeys, path, errors);
        var fields = new List<FieldDefinition>();
        if (mapping.Children.TryGetValue(new YamlScalarNode("fields"), out var fieldsNode))
        {
            if (fieldsNode is YamlMappingNode fieldMap)
            {
                foreach (var (selector, className) in fieldMap.Children)
                {
                    if (className is YamlScalarNode scalar)
                    {
                        fields.Add(new FieldDefinition(Key(selector), scalar.Value ?? "", selector.Start.Line));
                    }
                    else
                    {
                        errors.Add($"{path}.fields[\"{Key(selector)}\"]", className.Start, "must name a data class.");
                    }
                }
            }
            else
            {
                errors.Add($"{path}.fields", fieldsNode.Start, "must map selectors to data classes.");
            }
        }
        else
        {
            errors.Add($"{path}.fields", node.Start, "is required.");
        }
        var caseInsensitive = Scalar(mapping, "case_insensitive", $"{path}.case_insensitive", errors, required: false);
        if (caseInsensitive is not (null or "true" or "false"))
        {
            errors.Add($"{path}.case_insensitive", node.Start, "must be true or false.");
        }
        return new EntityDefinition(
            Strings(mapping, "routes", $"{path}.routes", errors, required: true),
            Strings(mapping, "records", $"{path}.records", errors, required: true),
            Scalar(mapping, "subject", $"{path}.subject", errors, required: false),
            fields,
            caseInsensitive == "true",
            node.Start.Line)
        {
            Consent = ParseConsentFields(mapping, $"{path}.consent", errors),
            Totals = Strings(mapping, "totals", $"{path}.totals", errors),
            WriteRecords = Strings(mapping, "write_records", $"{path}.write_records", errors),
            RecordType = Scalar(mapping, "record_type", $"{path}.record_type", errors, required: false),
            RecordTypes = Strings(mapping, "record_types", $"{path}.record_types", errors),
            SubjectInPath = Scalar(mapping, "subject_in_path", $"{path}.subject_in_path", errors, required: false),
        };
    }

    private static List<ConsentFieldDefinition> ParseConsentFields(YamlMappingNode entity, string path, RuleErrors errors)
    {
        var fields = new List<ConsentFieldDefinition>();
        if (!entity.Children.TryGetValue(new YamlScalarNode("consent"), out var node))
        {
            return fields;
        }
        if (node is not YamlMappingNode map)
        {
            errors.Add(path, node.Start, "must map selectors to { purposes: [...], means: opt_out | opt_in }.");
            return fields;
        }
        foreach (var (selector, value) in map.Children)
        {
            var fieldPath = $"{path}[\"{Key(selector)}\"]";
            if (value is not YamlMappingNode field)
            {
                errors.Add(fieldPath, value.Start, "must be a mapping such as { purposes: [marketing], means: opt_out }.");
                continue;
            }
            CheckKeys(field, ConsentFieldKeys, fieldPath, errors);
            var purposes = Strings(field, "purposes", $"{fieldPath}.purposes", errors, required: true);
            var means = Scalar(field, "means", $"{fieldPath}.means", errors, required: true) ?? "";
            if (means is not ("opt_out" or "opt_in") && means.Length > 0)
            {
                errors.Add($"{fieldPath}.means", field.Start, $"'{means}' is not opt_out (true means the subject refused) or opt_in (true means the subject agreed).");
            }
            fields.Add(new ConsentFieldDefinition(Key(selector), purposes, means, selector.Start.Line));
        }
        return fields;
    }

    /// <returns>The action, or null (already reported) when the node is neither a name nor a mapping.</returns>
    private static ActionDefinition? ParseAction(YamlNode node, string path, RuleErrors errors)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                return new ActionDefinition(scalar.Value ?? "", new Dictionary<string, string>(), node.Start.Line);
            case YamlMappingNode mapping:
                var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (key, value) in mapping.Children)
                {
                    if (value is YamlScalarNode parameter)
                    {
                        parameters[Key(key)] = parameter.Value ?? "";
                    }
                    else
                    {
                        errors.Add($"{path}.{Key(key)}", value.Start, "must be a single value.");
                    }
                }
                if (!parameters.Remove("action", out var action))
                {
                    errors.Add(path, node.Start, "names no action (add `action: redact` or another).");
                }
                return new ActionDefinition(action ?? "", parameters, node.Start.Line);
            default:
                return Invalid<ActionDefinition?>(errors, path, node, "must be an action name or a mapping with `action:`.");
        }
    }

    /// <summary>Parses each entry of a top-level mapping; an entry the parser reported as malformed (null) is left out, so the document holds no nulls.</summary>
    private static IReadOnlyDictionary<string, T> Map<T>(YamlMappingNode root, string key, string path, RuleErrors errors, Func<YamlNode, string, T?> parse)
        where T : class
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            errors.Add(path, 0, "is required.");
            return new Dictionary<string, T>();
        }
        if (node is not YamlMappingNode mapping)
        {
            errors.Add(path, node.Start, "must be a mapping.");
            return new Dictionary<string, T>();
        }
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var (name, value) in mapping.Children)
        {
            if (parse(value, $"{path}.{Key(name)}") is { } parsed)
            {
                result[Key(name)] = parsed;
            }
        }
        return result;
    }

    private static string? Scalar(YamlMappingNode mapping, string key, string path, RuleErrors errors, bool required)
    {
        if (!mapping.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            if (required)
            {
                errors.Add(path, mapping.Start, "is required.");
            }
            return null;
        }
        if (node is YamlScalarNode scalar)
        {
            return scalar.Value;
        }
        errors.Add(path, node.Start, "must be a single value.");
        return null;
    }

    private static List<string> Strings(YamlMappingNode mapping, string key, string path, RuleErrors errors, bool required = false)
    {
        if (!mapping.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            if (required)
            {
                errors.Add(path, mapping.Start, "is required.");
            }
            return [];
        }
        if (node is YamlSequenceNode sequence && sequence.Children.All(item => item is YamlScalarNode))
        {
            return [.. sequence.Children.Cast<YamlScalarNode>().Select(item => item.Value ?? "")];
        }
        errors.Add(path, node.Start, "must be a list of values, e.g. [a, b].");
        return [];
    }

    private static void CheckKeys(YamlMappingNode mapping, HashSet<string> allowed, string path, RuleErrors errors)
    {
        foreach (var key in mapping.Children.Keys)
        {
            if (!allowed.Contains(Key(key)))
            {
                var where = path.Length == 0 ? Key(key) : $"{path}.{Key(key)}";
                errors.Add(where, key.Start, $"unknown key; expected one of {string.Join(", ", allowed)}.");
            }
        }
    }

    private static string Key(YamlNode node) => node is YamlScalarNode scalar ? scalar.Value ?? "" : node.ToString();

    private static long Line(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node.Start.Line : mapping.Start.Line;

    private static T Invalid<T>(RuleErrors errors, string path, YamlNode node, string message)
    {
        errors.Add(path, node.Start, message);
        return default!;
    }

    private static readonly ActionDefinition NoAction = new("", new Dictionary<string, string>(), 0);

    private static ActionDefinition Missing(RuleErrors errors, string path, string message)
    {
        errors.Add(path, 0, message);
        return NoAction;
    }
}
