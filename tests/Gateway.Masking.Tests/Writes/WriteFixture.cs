using System.Text;
using Gateway.Masking.Rules;
using Gateway.Masking.Writes;

namespace Gateway.Masking.Tests.Writes;

/// <summary>Rules with a permissions section, and a helper that judges a body as a given caller would send it.</summary>
internal static class WriteFixture
{
    public const string Rules = """
        version: 1
        classes:
          name:        { sensitivity: medium }
          contact:     { sensitivity: medium }
          address:     { sensitivity: medium }
          national_id: { sensitivity: high }
          birth_date:  { sensitivity: high }
        entities:
          contact-list:
            routes: ["/api/contacts"]
            records: ["$.data[*]"]
            subject: "$.id"
            fields: &contact
              "$.firstName":        name
              "$.email":            contact
              "$.phones[*].number": contact
              "$.address.**":       address
              "$.ssn":              national_id
              "$.birthDate":        birth_date
              "**.taxId":           national_id
          contact:
            routes: ["/api/contacts/{id}"]
            records: ["$"]
            subject: "$.id"
            subject_in_path: id
            fields: *contact
          people:
            routes: ["/api/people/{id}"]
            records: ["$"]
            case_insensitive: true
            fields: *contact
          batches:
            routes: ["/api/batches"]
            records: ["$.results[*]"]
            write_records: ["$.inputs[*].properties"]
            fields: *contact
          collections:
            routes: ["/services/data/*/composite/sobjects"]
            records: ["$[*]"]
            fields: {}
            write_records: ["$.records[*]"]
            record_type: "$.attributes.type"
          sf-contact:
            routes: ["/services/data/*/sobjects/Contact/{id}"]
            records: ["$"]
            subject: "$.Id"
            record_types: [Contact]
            fields: { "$.Email": contact, "$.Birthdate": birth_date }
          sf-account:
            routes: ["/services/data/*/sobjects/Account/{id}"]
            records: ["$"]
            record_types: [Account]
            fields: { "$.Name": name }
        roles:
          support-agent:
            "*": allow
          name-editor:
            "*": allow
          compliance-officer:
            "*": { action: allow, require_mfa: true, otherwise: redact }
        permissions:
          support-agent:
            "*":        { operations: [read, create, update], classes: [name, contact, address, unclassified] }
            sf-account: { operations: [read] }
          name-editor:
            "*":        { operations: [read, update], classes: [name] }
          compliance-officer:
            "*":        { operations: [read, create, update, delete], classes: ["*"], require_mfa: [national_id, birth_date] }
        default: redact
        """;

    public static readonly CompiledRules Compiled = RulesCompiler.Compile(Rules, null);

    public static WriteReport Judge(string body, string role = "support-agent", string path = "/api/contacts/c-1", WriteBodyKind kind = WriteBodyKind.Json,
        RecordOperation operation = RecordOperation.Update, bool mfa = false, bool replaces = false, WriteLimits? limits = null, CompiledRules? rules = null) =>
        JudgeBytes(Encoding.UTF8.GetBytes(body), role, path, kind, operation, mfa, replaces, limits, rules);

    public static WriteReport JudgeBytes(byte[] body, string role = "support-agent", string path = "/api/contacts/c-1", WriteBodyKind kind = WriteBodyKind.Json,
        RecordOperation operation = RecordOperation.Update, bool mfa = false, bool replaces = false, WriteLimits? limits = null, CompiledRules? rules = null)
    {
        rules ??= Compiled;
        var entity = rules.EntityFor(path) ?? throw new InvalidOperationException($"no entity for {path}");
        var permissions = rules.PermissionsFor(new HashSet<string> { role });
        return new WriteJudge(limits ?? new WriteLimits()).Judge(rules, entity, permissions, mfa, operation, replaces, kind, body, entity.SubjectFromPath(path));
    }
}
