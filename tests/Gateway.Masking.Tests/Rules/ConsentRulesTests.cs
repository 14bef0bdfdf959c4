using Gateway.Masking.Rules;

namespace Gateway.Masking.Tests.Rules;

public sealed class ConsentRulesTests
{
    private const string Rules = """
        version: 1
        classes:
          contact: { sensitivity: medium }
        entities:
          contact:
            routes: ["/api/contacts"]
            records: ["$.data[*]"]
            SUBJECT
            totals: ["$.paging.total"]
            fields:
              "$.email": contact
            consent:
              CONSENT
        roles:
          support-agent:
            contact: allow
        default: redact
        """;

    [Fact]
    public void Consent_fields_and_totals_compile_onto_the_entity()
    {
        var rules = RulesCompiler.Compile(Rules.Replace("SUBJECT", "subject: \"$.id\"").Replace("CONSENT", "\"$.hs_email_optout\": { purposes: [marketing, newsletter], means: opt_out }"), null);

        var entity = rules.EntityFor("/api/contacts")!;
        var field = Assert.Single(entity.ConsentFields);
        Assert.Equal("$.hs_email_optout", field.Selector.Text);
        Assert.False(field.OptIn);
        Assert.True(field.Purposes.SetEquals(["marketing", "newsletter"]));
        Assert.Equal("$.paging.total", Assert.Single(entity.Totals).Text);
    }

    [Fact]
    public void Every_consent_mistake_is_reported_at_once_with_its_path()
    {
        var yaml = Rules.Replace("SUBJECT", "").Replace("CONSENT", """
            "$.optout": { purposes: [], means: sometimes }
                  "$.other":  { purposes: [marketing], means: opt_in, extra: 1 }
                  "$.third":  opted_out
            """);

        var errors = Assert.Throws<RulesException>(() => RulesCompiler.Compile(yaml, null)).Errors.Select(e => e.ToString()).ToList();

        Assert.Contains(errors, e => e.Contains("consent[\"$.optout\"].means") && e.Contains("sometimes"));
        Assert.Contains(errors, e => e.Contains("consent[\"$.optout\"].purposes") && e.Contains("at least one purpose"));
        Assert.Contains(errors, e => e.Contains("consent[\"$.other\"].extra") && e.Contains("unknown key"));
        Assert.Contains(errors, e => e.Contains("consent[\"$.third\"]") && e.Contains("must be a mapping"));
        Assert.Contains(errors, e => e.Contains("consent[\"$.other\"]") && e.Contains("subject selector"));
    }
}
