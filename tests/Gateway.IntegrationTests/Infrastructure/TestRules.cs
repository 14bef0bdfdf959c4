namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>The masking rules every test gateway runs with unless a test sets its own: the test CRM's contacts behind /api and /secure.</summary>
public static class TestRules
{
    public const string Yaml = """
        version: 1
        classes:
          contact:     { sensitivity: medium }
          national_id: { sensitivity: high }
        entities:
          contacts:
            routes: ["/api/{**rest}", "/secure/{**rest}"]
            records: ["$.data[*]", "$.record"]
            subject: "$.id"
            fields:
              "$.email": contact
              "**.ssn":  national_id
        roles:
          support-agent:
            contact:      { action: partial, keep_last: 4 }
            national_id:  redact
            unclassified: allow
          compliance-officer:
            "*": { action: allow, require_mfa: true, otherwise: redact }
          reader:
            "*": allow
          exporter:
            "*": allow
        permissions:
          support-agent:
            "*": { operations: [read, create, update, delete], classes: [contact, unclassified] }
          compliance-officer:
            "*": { operations: [read, create, update, delete], classes: ["*"], require_mfa: [national_id] }
          reader:
            "*": { operations: [read] }
          exporter:
            "*": { operations: [read] }
          "*":
            "*": { operations: [read] }
        default: redact
        """;

    /// <summary>What <see cref="CrmStub.ContactsJson"/> becomes for the default test token (a support agent).</summary>
    public const string MaskedContactsJson = """{"data":[{"id":"c-1","email":"***********.com"}],"paging":{"page":1,"total":1}}""";

    private static readonly Lazy<string> File = new(() =>
    {
        var path = System.IO.Path.Combine(TestPki.Shared.Directory, "rules.yaml");
        System.IO.File.WriteAllText(path, Yaml);
        return path;
    });

    public static string Path => File.Value;
}
