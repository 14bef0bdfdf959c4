using System.Text;
using Gateway.Masking.Rules;

namespace Gateway.Masking;

/// <summary>A purpose as the data map shows it: its name, legal basis, and what befalls records without that basis.</summary>
public sealed record DataMapPurpose(string Name, string Basis, string WithoutBasis);

/// <summary>
/// One cell of the data map: what a role receives of a data class for a purpose, without and with
/// MFA, the entities that carry the class, the condition the purpose adds (consent), and whether
/// the role may write the class (the rules' <c>permissions</c>): <c>yes</c>, <c>with MFA</c> or
/// <c>no</c>, per entity where they differ.
/// </summary>
public sealed record DataMapEntry(
    string Purpose,
    string Basis,
    string Role,
    string DataClass,
    IReadOnlyList<string> Entities,
    string Action,
    string Receives,
    string ActionWithMfa,
    string ReceivesWithMfa,
    string Condition,
    string Writes);

/// <summary>
/// The privacy officer's matrix of data class × role × purpose, read from compiled rules: the
/// console and <c>gatewayctl datamap</c> both build it here, so they cannot disagree.
/// </summary>
public static class DataMap
{
    /// <summary>The row for callers holding none of the rules' roles: they get the rules' default.</summary>
    public const string OtherRoles = "(any other role)";

    /// <summary>Shown when no purpose catalog is known (gatewayctl reads only the rules).</summary>
    public static readonly DataMapPurpose AnyPurpose = new("(any)", "", "");

    private static readonly string[] CsvHeader = ["purpose", "basis", "role", "class", "entities", "action", "receives", "action_with_mfa", "receives_with_mfa", "condition", "writes"];

    /// <param name="purposes">The purpose catalog; empty: one row set for <see cref="AnyPurpose"/>.</param>
    public static IReadOnlyList<DataMapEntry> Build(CompiledRules rules, IReadOnlyList<DataMapPurpose> purposes)
    {
        var classes = rules.Classes.Append(CompiledRules.Unclassified).ToList();
        var carriers = classes.Select((_, index) => rules.Entities
            .Where(entity => index == rules.Classes.Count ? entity.Records.Count > 0 : entity.Fields.Any(field => field.ClassIndex == index))
            .ToList()).ToList();
        var entities = carriers.Select(carrier => (IReadOnlyList<string>)[.. carrier.Select(entity => entity.Name)]).ToList();
        var roles = rules.Roles.Append(OtherRoles).ToList();
        var writes = roles.Select(role => rules.PermissionsFor(role == OtherRoles ? new HashSet<string>() : new HashSet<string> { role }))
            .Select(permissions => classes.Select((dataClass, c) => Writes(rules, permissions, carriers[c], dataClass)).ToList()).ToList();
        var entries = new List<DataMapEntry>();
        foreach (var purpose in purposes.Count == 0 ? [AnyPurpose] : purposes)
        {
            var condition = purpose.Basis == "consent"
                ? $"only records whose subject consented to {purpose.Name}; others {(purpose.WithoutBasis == "mask" ? "masked" : "removed")}"
                : "";
            for (var role = 0; role < roles.Count; role++)
            {
                var (withoutMfa, withMfa) = rules.ViewsOf(role);
                for (var c = 0; c < classes.Count; c++)
                {
                    var action = c < rules.Classes.Count ? withoutMfa.Actions[c] : withoutMfa.UnclassifiedAction;
                    var actionWithMfa = c < rules.Classes.Count ? withMfa.Actions[c] : withMfa.UnclassifiedAction;
                    entries.Add(new DataMapEntry(purpose.Name, purpose.Basis, roles[role], classes[c], entities[c],
                        action, Receives(action), actionWithMfa, Receives(actionWithMfa), condition, writes[role][c]));
                }
            }
        }
        return entries;
    }

    /// <summary>Whether the role may write the class: one answer when every entity carrying it agrees, else one per entity.</summary>
    private static string Writes(CompiledRules rules, RolePermissions permissions, IReadOnlyList<CompiledEntity> carriers, string dataClass)
    {
        var answers = carriers.Select(entity => (entity.Name, Access: rules.WriteAccessFor(permissions, entity, dataClass) switch
        {
            ClassWriteAccess.Yes => "yes",
            ClassWriteAccess.WithMfa => "with MFA",
            _ => "no",
        })).ToList();
        return answers.Select(a => a.Access).Distinct().Count() switch
        {
            0 => "no",
            1 => answers[0].Access,
            _ => string.Join("; ", answers.Select(a => $"{a.Name}: {a.Access}")),
        };
    }

    /// <summary>What a caller receives of a value under an action, in the privacy officer's words.</summary>
    public static string Receives(string action) => action switch
    {
        "allow" => "clear",
        "partial" or "email" => "partial",
        "hash" => "pseudonymised",
        "generalize" => "generalised",
        "detect" => "clear (detected PII masked)",
        "redact" => "redacted",
        "remove" => "removed",
        _ => action,
    };

    /// <summary>The map as CSV (RFC 4180), one row per entry; entities joined by spaces.</summary>
    public static void WriteCsv(TextWriter writer, IEnumerable<DataMapEntry> entries)
    {
        Csv.WriteRow(writer, CsvHeader);
        foreach (var e in entries)
        {
            Csv.WriteRow(writer, [e.Purpose, e.Basis, e.Role, e.DataClass, string.Join(' ', e.Entities), e.Action, e.Receives, e.ActionWithMfa, e.ReceivesWithMfa, e.Condition, e.Writes]);
        }
    }
}

/// <summary>RFC 4180 rows: a field with a comma, quote or line break is quoted, its quotes doubled; a field that a spreadsheet would run as a formula is prefixed with a quote.</summary>
public static class Csv
{
    public static void WriteRow(TextWriter writer, IReadOnlyList<string> fields)
    {
        var line = new StringBuilder();
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                line.Append(',');
            }
            var field = fields[i];
            if (field.Length > 0 && field[0] is '=' or '+' or '-' or '@')
            {
                field = "'" + field;
            }
            if (field.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                line.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                line.Append(field);
            }
        }
        writer.Write(line.Append("\r\n"));
    }
}
