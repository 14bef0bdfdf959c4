using System.CommandLine;
using Gateway.Cli.Commands;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Cli;

public sealed class RulesCommandsTests
{
    private static readonly string Root = RepositoryRoot.Path;
    private static readonly string DemoRules = Path.Combine(Root, "deploy", "rules", "democrm.yaml");
    private static readonly string DemoFixtures = Path.Combine(Root, "deploy", "rules", "fixtures", "democrm");

    [Fact]
    public void Validate_ShippedDemoRules_ExitsZero()
    {
        var (exitCode, output, error) = Run("rules", "validate", DemoRules);

        Assert.True(exitCode == 0, error);
        Assert.Contains("roles: support-agent, marketing-analyst, compliance-officer, consent-admin", output);
    }

    [Theory]
    [InlineData("salesforce.yaml")]
    [InlineData("hubspot.yaml")]
    [InlineData("dynamics.yaml")]
    public void Validate_ShippedCrmExamples_ExitZero(string file)
    {
        var (exitCode, _, error) = Run("rules", "validate", Path.Combine(Root, "deploy", "rules", file));

        Assert.True(exitCode == 0, error);
    }

    [Fact]
    public void Validate_BrokenRules_ListsEveryErrorAndExitsOne()
    {
        var file = Path.Combine(TestPki.Shared.Directory, $"broken-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, TestRules.Yaml.Replace("national_id:  redact", "national_id:  obliterate").Replace("\"$.email\": contact", "\"$.email\": contakt"));

        var (exitCode, _, error) = Run("rules", "validate", file);

        Assert.Equal(RulesCommands.Invalid, exitCode);
        Assert.Contains("roles.support-agent.national_id (line", error);
        Assert.Contains("entities.contacts.fields[\"$.email\"] (line", error);
        Assert.Contains("2 errors", error);
    }

    [Fact]
    public void Preview_PrintsTheMaskedBodyAndTheReport()
    {
        var input = Path.Combine(DemoFixtures, "support-agent-contact", "input.json");

        var (exitCode, output, error) = Run("rules", "preview", DemoRules, "--role", "support-agent", "--path", "/api/contacts/c-00001", "--input", input);

        Assert.True(exitCode == 0, error);
        Assert.Contains("\"ssn\": \"[REDACTED]\"", output);
        Assert.Contains("national_id:redact: 1", output);
        Assert.DoesNotContain("195-33-7518", output);
    }

    [Fact]
    public void Preview_UncoveredPath_SaysTheGatewayWouldBlockIt()
    {
        var input = Path.Combine(DemoFixtures, "support-agent-contact", "input.json");

        var (exitCode, _, error) = Run("rules", "preview", DemoRules, "--role", "support-agent", "--path", "/api/accounts", "--input", input);

        Assert.Equal(RulesCommands.Invalid, exitCode);
        Assert.Contains("no entity covers /api/accounts", error);
    }

    [Fact]
    public void Test_ShippedDemoFixtures_AllPass()
    {
        var (exitCode, output, _) = Run("rules", "test", DemoRules, DemoFixtures);

        Assert.Equal(0, exitCode);
        Assert.EndsWith("3 passed, 0 failed", output.Trim());
    }

    [Fact]
    public void Test_AFixtureThatNoLongerMatches_FailsWithExitOne()
    {
        var fixtures = Directory.CreateTempSubdirectory("fixtures-").FullName;
        var broken = Path.Combine(fixtures, "leaky");
        Directory.CreateDirectory(broken);
        foreach (var file in new[] { "case.json", "input.json" })
        {
            File.Copy(Path.Combine(DemoFixtures, "support-agent-contact", file), Path.Combine(broken, file));
        }
        File.WriteAllText(Path.Combine(broken, "expected.json"), File.ReadAllText(Path.Combine(DemoFixtures, "support-agent-contact", "input.json")));

        var (exitCode, output, _) = Run("rules", "test", DemoRules, fixtures);

        Assert.Equal(RulesCommands.Invalid, exitCode);
        Assert.Contains("FAIL leaky", output);
        Assert.EndsWith("0 passed, 1 failed", output.Trim());
    }

    [Fact]
    public void DataMap_PrintsWhatEachRoleReceivesOfEachClass()
    {
        var (exitCode, table, error) = Run("datamap", DemoRules);
        var (_, csv, _) = Run("datamap", DemoRules, "--csv");

        Assert.True(exitCode == 0, error);
        var lines = table.Split(Environment.NewLine);
        Assert.Matches(@"^class\s+support-agent\s+marketing-analyst\s+compliance-officer", lines[1]);
        Assert.Matches(@"^contact\s+partial\s+pseudonymised\s+redacted / MFA: clear", lines.Single(l => l.StartsWith("contact ", StringComparison.Ordinal)));
        Assert.Equal("purpose,basis,role,class,entities,action,receives,action_with_mfa,receives_with_mfa,condition", csv.Split("\r\n")[0]);
        Assert.Contains("(any),,compliance-officer,contact,contact-list contact,redact,redacted,allow,clear,", csv.Split("\r\n"));
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = GatewayCtl.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
