using System.Collections.Frozen;

namespace Gateway.Masking.Rules;

/// <summary>
/// Checks and compiles the <c>permissions</c> section: per role (file order) and entity (or
/// <c>*</c>), the operations allowed and the data classes that may be written, some only with MFA.
/// Every error names its path and line; what is allowed but worth knowing becomes a notice.
/// </summary>
internal static class PermissionsCompiler
{
    /// <summary>The role key for callers holding none of the roles listed under <c>permissions</c>.</summary>
    public const string OtherCallers = "*";

    public sealed record Result(IReadOnlyList<RolePermissions> Roles, RolePermissions? OtherCallers, IReadOnlyList<string> Notices);

    public static Result Compile(RulesDocument document, List<string> classes, RuleErrors errors)
    {
        if (document.Permissions is not { } section)
        {
            return new Result([], null, ["No permissions section: every role may read, as the roles section masks it; every write (create, update, delete) is refused (write_not_allowed)."]);
        }
        var notices = new List<string>();
        var roles = new List<RolePermissions>();
        RolePermissions? others = null;
        foreach (var role in section)
        {
            var entities = new Dictionary<string, EntityPermission>(StringComparer.Ordinal);
            var anyEntity = EntityPermission.None;
            foreach (var grant in role.Entities)
            {
                var path = $"permissions.{role.Role}.{grant.Entity}";
                if (grant.Entity != CompiledRules.AnyClass && !document.Entities.ContainsKey(grant.Entity))
                {
                    errors.Add(path, grant.Line, $"'{grant.Entity}' is not an entity defined under entities (nor *).");
                }
                var permission = CompileGrant(path, grant, classes, errors);
                if (grant.Entity == CompiledRules.AnyClass)
                {
                    anyEntity = permission;
                }
                else
                {
                    entities[grant.Entity] = permission;
                }
            }
            var compiled = new RolePermissions(role.Role, entities.ToFrozenDictionary(StringComparer.Ordinal), anyEntity);
            if (role.Role == OtherCallers)
            {
                others = compiled;
            }
            else
            {
                roles.Add(compiled);
            }
        }
        CheckRoleOrder(document, section, errors);
        var unlisted = document.Roles.Keys.Where(role => section.All(listed => listed.Role != role)).ToList();
        if (unlisted.Count > 0)
        {
            notices.Add($"Roles without permissions: {string.Join(", ", unlisted)}. A caller holding only these gets {(others is null ? "nothing (no \"*\" entry)" : "the \"*\" entry")}.");
        }
        if (others is null)
        {
            notices.Add("No \"*\" entry under permissions: a caller holding none of the roles listed there may do nothing, not even read.");
        }
        return new Result(roles, others, notices);
    }

    private static EntityPermission CompileGrant(string path, EntityPermissionDefinition grant, List<string> classes, RuleErrors errors)
    {
        var operations = 0;
        foreach (var name in grant.Operations)
        {
            if (!RecordOperations.TryParse(name, out var operation))
            {
                errors.Add($"{path}.operations", grant.Line, $"'{name}' is not an operation; use {string.Join(", ", RecordOperations.Names)}.");
                continue;
            }
            if ((operations & EntityPermission.Flag(operation)) != 0)
            {
                errors.Add($"{path}.operations", grant.Line, $"'{name}' is listed twice.");
            }
            operations |= EntityPermission.Flag(operation);
        }
        var writes = (operations & (EntityPermission.Flag(RecordOperation.Create) | EntityPermission.Flag(RecordOperation.Update))) != 0;
        var access = new byte[classes.Count + 1];
        if (!writes)
        {
            if (grant.Classes is not null || grant.RequireMfa.Count > 0)
            {
                errors.Add(path, grant.Line, "classes and require_mfa apply to create and update only, which this entry does not allow.");
            }
            return new EntityPermission(operations, access);
        }
        if (grant.Classes is null)
        {
            errors.Add($"{path}.classes", grant.Line, "is required with create or update: the data classes the role may write (a list of classes, unclassified, or *); [] for none.");
            return new EntityPermission(operations, access);
        }
        foreach (var name in grant.Classes)
        {
            foreach (var index in ClassIndexes(name, classes, $"{path}.classes", grant.Line, errors))
            {
                access[index] = EntityPermission.Writable;
            }
        }
        foreach (var name in grant.RequireMfa)
        {
            foreach (var index in ClassIndexes(name, classes, $"{path}.require_mfa", grant.Line, errors))
            {
                if (access[index] == EntityPermission.NotWritable)
                {
                    if (name != CompiledRules.AnyClass)
                    {
                        errors.Add($"{path}.require_mfa", grant.Line, $"'{name}' is not among the classes this entry may write.");
                    }
                    continue;
                }
                access[index] = EntityPermission.WritableWithMfa;
            }
        }
        return new EntityPermission(operations, access);
    }

    /// <summary>The class indexes a name stands for: one class, <c>unclassified</c> (the last index), or <c>*</c> (all of them).</summary>
    private static IEnumerable<int> ClassIndexes(string name, List<string> classes, string path, long line, RuleErrors errors)
    {
        if (name == CompiledRules.AnyClass)
        {
            return Enumerable.Range(0, classes.Count + 1);
        }
        if (name == CompiledRules.Unclassified)
        {
            return [classes.Count];
        }
        var index = classes.IndexOf(name);
        if (index < 0)
        {
            errors.Add(path, line, $"'{name}' is not a class defined under classes (nor unclassified or *).");
            return [];
        }
        return [index];
    }

    /// <summary>
    /// The first role a caller holds decides both what it sees (order under <c>roles</c>) and what
    /// it may do (order under <c>permissions</c>): two orders that disagree would let one caller be
    /// judged by two different roles.
    /// </summary>
    private static void CheckRoleOrder(RulesDocument document, IReadOnlyList<RolePermissionsDefinition> section, RuleErrors errors)
    {
        var readOrder = document.Roles.Keys.ToList();
        var previous = (Role: (string?)null, Position: -1);
        foreach (var role in section)
        {
            var position = readOrder.IndexOf(role.Role);
            if (position < 0)
            {
                continue;
            }
            if (position < previous.Position)
            {
                errors.Add($"permissions.{role.Role}", role.Line, $"comes after {previous.Role} here but before it under roles; list roles in the same order in both (the first role a caller holds decides both).");
            }
            previous = (role.Role, position);
        }
    }
}
