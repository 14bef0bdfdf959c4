using System.Collections.Frozen;

namespace Gateway.Masking.Rules;

/// <summary>What a request does to an entity's records, as the <c>permissions</c> section names it.</summary>
public enum RecordOperation
{
    Read,
    Create,
    Update,
    Delete,
}

/// <summary>Names of operations, and the operation an HTTP method performs unless its route declares another.</summary>
public static class RecordOperations
{
    public static IReadOnlyList<string> Names { get; } = ["read", "create", "update", "delete"];

    public static string Name(this RecordOperation operation) => Names[(int)operation];

    public static bool TryParse(string? text, out RecordOperation operation)
    {
        var index = text is null ? -1 : IndexOf(text);
        operation = (RecordOperation)Math.Max(index, 0);
        return index >= 0;
    }

    /// <summary>
    /// GET, HEAD and OPTIONS read; POST creates; PUT and PATCH update; DELETE deletes. Any other
    /// method is taken as an update, the operation whose body is checked.
    /// </summary>
    public static RecordOperation ForMethod(string method) => method switch
    {
        "GET" or "HEAD" or "OPTIONS" => RecordOperation.Read,
        "POST" => RecordOperation.Create,
        "DELETE" => RecordOperation.Delete,
        _ => RecordOperation.Update,
    };

    /// <summary>Create and update carry field values; read and delete do not.</summary>
    public static bool WritesFields(this RecordOperation operation) => operation is RecordOperation.Create or RecordOperation.Update;

    private static int IndexOf(string text)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (Names[i] == text)
            {
                return i;
            }
        }
        return -1;
    }
}

/// <summary>What one role may do to one entity: its operations, and per data class whether it may write it, and only with MFA.</summary>
internal sealed class EntityPermission
{
    public const byte NotWritable = 0, Writable = 1, WritableWithMfa = 2;

    /// <summary>Nothing at all: a role or entity the section does not list.</summary>
    public static readonly EntityPermission None = new(0, []);

    private readonly int _operations;

    /// <param name="access">Per class index, then <c>unclassified</c> last: <see cref="NotWritable"/>, <see cref="Writable"/> or <see cref="WritableWithMfa"/>.</param>
    public EntityPermission(int operations, byte[] access)
    {
        _operations = operations;
        Access = access;
    }

    public byte[] Access { get; }

    public bool Allows(RecordOperation operation) => (_operations & (1 << (int)operation)) != 0;

    public byte AccessTo(int classIndex) => classIndex < Access.Length ? Access[classIndex] : NotWritable;

    public static int Flag(RecordOperation operation) => 1 << (int)operation;
}

/// <summary>
/// The permissions of the caller's deciding role: the first role under <c>permissions</c> (in file
/// order) that the caller holds, or the <c>*</c> entry for callers holding none of them.
/// </summary>
public sealed class RolePermissions
{
    private readonly FrozenDictionary<string, EntityPermission> _entities;
    private readonly EntityPermission _anyEntity;

    internal RolePermissions(string? role, FrozenDictionary<string, EntityPermission> entities, EntityPermission anyEntity)
    {
        Role = role;
        _entities = entities;
        _anyEntity = anyEntity;
    }

    /// <summary>No entry applies: nothing is allowed.</summary>
    internal static RolePermissions Nothing { get; } = new(null, FrozenDictionary<string, EntityPermission>.Empty, EntityPermission.None);

    /// <summary>A rules file without a <c>permissions</c> section: every caller reads (as before the section existed) and writes nothing.</summary>
    internal static RolePermissions ReadOnly { get; } = new(null, FrozenDictionary<string, EntityPermission>.Empty, new EntityPermission(EntityPermission.Flag(RecordOperation.Read), []));

    /// <summary>The role as named under <c>permissions</c>, <c>*</c> for its entry for other callers, or null when no entry applies.</summary>
    public string? Role { get; }

    public bool Allows(CompiledEntity entity, RecordOperation operation) => For(entity).Allows(operation);

    internal EntityPermission For(CompiledEntity entity) => _entities.GetValueOrDefault(entity.Name, _anyEntity);
}
