using Gateway.IntegrationTests.Infrastructure;
using Gateway.Masking.Rules;

namespace Gateway.Masking.Tests.Rules;

/// <summary>The example rules shipped in deploy/rules stay far from the matcher's state limit that docs/rules.md describes.</summary>
public sealed class ShippedRulesTests
{
    [Theory]
    [InlineData("democrm.yaml")]
    [InlineData("salesforce.yaml")]
    [InlineData("hubspot.yaml")]
    [InlineData("dynamics.yaml")]
    [InlineData("../kubernetes/overlays/example/rules.yaml")]
    public void ShippedRules_NeedFewMatcherStates(string file)
    {
        var rules = RulesCompiler.Compile(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "rules", file)), new byte[32]);

        Assert.All(rules.Entities, entity => Assert.InRange(entity.Automaton.StateCount, 1, 100));
    }
}
