using System.Text;
using Gateway.Masking.Rules;

namespace Gateway.Masking.Tests;

/// <summary>The rules of the example, and helpers to mask a body as a given caller.</summary>
internal static class MaskingFixture
{
    public const string Rules = """
        version: 1
        classes:
          contact:      { sensitivity: medium }
          national_id:  { sensitivity: high }
          birth_date:   { sensitivity: high }
          free_text:    { sensitivity: medium, detect: [email, phone, card, ssn, iban] }
        entities:
          contact:
            routes: ["/api/contacts", "/api/contacts/{id}", "/services/data/*/query"]
            records: ["$.data[*]", "$", "$.records[*]"]
            subject: "$.id"
            fields:
              "$.email":            contact
              "$.phones[*].number": contact
              "$.ssn":              national_id
              "$.birthDate":        birth_date
              "$.address.**":       contact
              "$.notes":            free_text
              "**.taxId":           national_id
        roles:
          support-agent:
            contact:     { action: partial, keep_last: 4 }
            national_id: redact
            birth_date:  { action: generalize, to: year }
            free_text:   detect
            unclassified: allow
          marketing-analyst:
            contact:     { action: hash }
            "*":         remove
          compliance-officer:
            "*":         { action: allow, require_mfa: true, otherwise: redact }
        default: redact
        """;

    public static readonly byte[] HashKey = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef");

    public static CompiledRules Compile(string? yaml = null) => RulesCompiler.Compile(yaml ?? Rules, HashKey);

    public static string Mask(string json, string role, bool mfa = false, string path = "/api/contacts", CompiledRules? rules = null, MaskingLimits? limits = null, int chunk = 0)
    {
        var (output, _) = MaskWithReport(json, role, mfa, path, rules, limits, chunk);
        return output;
    }

    public static (string Output, MaskingReport Report) MaskWithReport(string json, string role, bool mfa = false, string path = "/api/contacts",
        CompiledRules? rules = null, MaskingLimits? limits = null, int chunk = 0) =>
        MaskBytes(Encoding.UTF8.GetBytes(json), role, mfa, path, rules, limits, chunk);

    public static (string Output, MaskingReport Report) MaskBytes(byte[] body, string role, bool mfa = false, string path = "/api/contacts",
        CompiledRules? rules = null, MaskingLimits? limits = null, int chunk = 0, bool lines = false)
    {
        rules ??= Compile();
        var entity = rules.EntityFor(path) ?? throw new InvalidOperationException($"no entity for {path}");
        using var input = chunk > 0 ? new TricklingStream(body, chunk) : (Stream)new MemoryStream(body);
        using var output = new MemoryStream();
        var report = new JsonMasker(limits ?? new MaskingLimits())
            .MaskAsync(input, output, rules, entity, rules.ViewFor(new HashSet<string> { role }, mfa), CancellationToken.None, lines)
            .GetAwaiter().GetResult();
        return (Encoding.UTF8.GetString(output.ToArray()), report);
    }
}
