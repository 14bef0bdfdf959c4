using Gateway.Masking.Rules;
using static Gateway.Masking.Tests.MaskingFixture;

namespace Gateway.Masking.Tests.Rules;

public sealed class RulesCompilerTests
{
    [Fact]
    public void Compile_TheExampleRules_Succeeds()
    {
        var rules = Compile();

        Assert.Equal(["contact", "national_id", "birth_date", "free_text"], rules.Classes);
        Assert.Equal(["support-agent", "marketing-analyst", "compliance-officer"], rules.Roles);
        Assert.NotNull(rules.EntityFor("/api/contacts/c-00001"));
        Assert.NotNull(rules.EntityFor("/services/data/v59.0/query"));
        Assert.NotNull(rules.EntityFor("/API/Contacts"));
        Assert.Null(rules.EntityFor("/api/accounts"));
        Assert.Null(rules.EntityFor("/api/contacts/c-1/notes"));
    }

    [Fact]
    public void Version_ChangesWithTheFile()
    {
        Assert.Equal(Compile().Version, Compile().Version);
        Assert.NotEqual(Compile().Version, Compile(MaskingFixture.Rules + "\n# edited\n").Version);
    }

    /// <summary>Structural mistakes (unknown keys, wrong version and values) and semantic ones (unknown classes, actions, parameters) in one file.</summary>
    private const string Mistaken = """
        version: 2
        classes:
          contact: { sensitivity: extreme }
          notes: { sensitivity: low, detect: [email, dna] }
          unclassified: { sensitivity: low }
        entities:
          contact:
            routes: ["api/contacts", "/api//x"]
            records: ["data[*]", "**.records"]
            fields:
              "$.email": contakt
              "$.bad[": contact
              "$.name": contact
            colour: blue
        roles:
          support-agent:
            contact: { action: partial, keep_last: many, keep_middle: 2 }
            notes: obliterate
            salary: redact
          analyst:
            contact: { action: hash }
            notes: { keep_last: 4 }
            "*": { action: allow, require_mfa: maybe }
            unclassified: { action: redact, otherwise: allow }
        default: allow
        """;

    [Fact]
    public void Compile_StructuralMistakes_AreReportedWithPathAndLine()
    {
        var errors = Assert.Throws<RulesException>(() => RulesCompiler.Compile(Mistaken, hashKey: null)).Errors;

        Assert.Contains(errors, e => e.Path == "entities.contact.colour" && e.Line > 0);
        Assert.Single(errors, e => e.Path == "version");
        Assert.Contains(errors, e => e.Path == "classes.contact.sensitivity");
    }

    [Fact]
    public void Compile_SemanticMistakes_AreReportedInTheSameRun()
    {
        var paths = Assert.Throws<RulesException>(() => RulesCompiler.Compile(Mistaken, hashKey: null)).Errors.Select(e => e.Path).ToList();

        Assert.Contains("classes.notes.detect[1]", paths);
        Assert.Contains("classes.unclassified", paths);
        Assert.Contains("entities.contact.routes[0]", paths);
        Assert.Contains("entities.contact.routes[1]", paths);
        Assert.Contains("entities.contact.records[0]", paths);
        Assert.Contains("entities.contact.records[1]", paths);
        Assert.Contains("entities.contact.fields[\"$.email\"]", paths);
        Assert.Contains("entities.contact.fields[\"$.bad[\"]", paths);
        Assert.Contains("roles.support-agent.contact", paths);
        Assert.Contains("roles.support-agent.contact.keep_middle", paths);
        Assert.Contains("roles.support-agent.notes", paths);
        Assert.Contains("roles.support-agent.salary", paths);
        Assert.Contains("roles.analyst.contact", paths);
        Assert.Contains("roles.analyst.notes", paths);
        Assert.Contains("roles.analyst.*.require_mfa", paths);
        Assert.Contains("roles.analyst.unclassified.otherwise", paths);
        Assert.Contains("default", paths);
    }

    [Theory]
    [InlineData("not: [valid")]
    [InlineData("- a list\n- not a mapping")]
    [InlineData("")]
    public void Compile_NotARulesDocument_SaysSo(string yaml)
    {
        Assert.NotEmpty(Assert.Throws<RulesException>(() => RulesCompiler.Compile(yaml, null)).Errors);
    }

    [Fact]
    public void Compile_HashWithoutKey_IsAnError()
    {
        var errors = Assert.Throws<RulesException>(() => RulesCompiler.Compile(MaskingFixture.Rules, hashKey: null)).Errors;

        Assert.Contains(errors, e => e.Path == "roles.marketing-analyst.contact" && e.Message.Contains("HashKeyFile"));
    }

    [Fact]
    public void ViewFor_SeveralRoles_TheFirstInTheFileDecides()
    {
        var rules = Compile();

        var view = rules.ViewFor(new HashSet<string> { "marketing-analyst", "support-agent" }, mfaUsed: false);

        Assert.Equal("partial", view.Actions[0]);
    }

    [Theory]
    [InlineData("$", 0)]
    [InlineData("$.a.b", 2)]
    [InlineData("$['a b'].c", 2)]
    [InlineData("$['it\\'s']", 1)]
    [InlineData("$.data[*].phones[*].number", 5)]
    [InlineData("$.address.**", 2)]
    [InlineData("**.ssn", 2)]
    public void Selector_SupportedForms_Parse(string text, int steps)
    {
        Assert.Equal(steps, JsonPathSelector.Parse(text, out var error)!.Steps.Count);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("email")]
    [InlineData("$..email")]
    [InlineData("$.a[0]")]
    [InlineData("$.a[?(@.x)]")]
    [InlineData("$.*")]
    [InlineData("$['open")]
    public void Selector_UnsupportedForms_AreRefusedWithAReason(string text)
    {
        Assert.Null(JsonPathSelector.Parse(text, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Compile_SelectorsWhosePathStatesMultiply_AreRefusedWithTheEntityNamed()
    {
        // Each selector remembers on its own whether its "aN" was on the path: 2^13 combinations.
        var selectors = string.Concat(Enumerable.Range(1, 13).Select(n => $"\n      \"$.**.a{n}.**.z\": national_id"));
        var yaml = MaskingFixture.Rules.Replace("""      "**.taxId":           national_id""", """      "**.taxId":           national_id""" + selectors);

        var errors = Assert.Throws<RulesException>(() => RulesCompiler.Compile(yaml, MaskingFixture.HashKey)).Errors;

        var error = Assert.Single(errors);
        Assert.Equal("entities.contact", error.Path);
        Assert.Contains("4096", error.Message);
    }

    [Fact]
    public void Compile_DeepAnyDepthSelectors_WithinTheLimit_MatchWhereTheySay()
    {
        var yaml = MaskingFixture.Rules.Replace("""      "**.taxId":           national_id""", """
                  "**.taxId":           national_id
                  "$.**.a[*][*][*]": national_id
            """.TrimEnd());
        var rules = RulesCompiler.Compile(yaml, MaskingFixture.HashKey);

        var masked = MaskingFixture.Mask("""{"x":{"a":[[["195-33-7518"]]],"b":[[["kept"]]]}}""", "support-agent", path: "/api/contacts/c-1", rules: rules);

        Assert.Equal("""{"x":{"a":[[["[REDACTED]"]]],"b":[[["kept"]]]}}""", masked);
    }

    [Fact]
    public void Selector_WithMoreStepsThanAnyBodyCanNest_IsRefused()
    {
        Assert.NotNull(JsonPathSelector.Parse("$" + string.Concat(Enumerable.Repeat(".a", JsonPathSelector.MaxSteps)), out _));
        Assert.Null(JsonPathSelector.Parse("$" + string.Concat(Enumerable.Repeat(".a", JsonPathSelector.MaxSteps + 1)), out var error));
        Assert.Contains("at most", error);
    }
}
