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
    public async Task Validate_ShippedDemoRules_ExitsZero()
    {
        var (exitCode, output, error) = await RunAsync("rules", "validate", DemoRules);

        Assert.True(exitCode == 0, error);
        Assert.Contains("roles: support-agent, marketing-analyst, compliance-officer, consent-admin", output);
    }

    [Theory]
    [InlineData("salesforce.yaml")]
    [InlineData("hubspot.yaml")]
    [InlineData("dynamics.yaml")]
    public async Task Validate_ShippedCrmExamples_ExitZero(string file)
    {
        var (exitCode, _, error) = await RunAsync("rules", "validate", Path.Combine(Root, "deploy", "rules", file));

        Assert.True(exitCode == 0, error);
    }

    [Fact]
    public async Task Validate_BrokenRules_ListsEveryErrorAndExitsOne()
    {
        var file = Path.Combine(TestPki.Shared.Directory, $"broken-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, TestRules.Yaml.Replace("national_id:  redact", "national_id:  obliterate").Replace("\"$.email\": contact", "\"$.email\": contakt"));

        var (exitCode, _, error) = await RunAsync("rules", "validate", file);

        Assert.Equal(RulesCommands.Invalid, exitCode);
        Assert.Contains("roles.support-agent.national_id (line", error);
        Assert.Contains("entities.contacts.fields[\"$.email\"] (line", error);
        Assert.Contains("2 errors", error);
    }

    [Fact]
    public async Task Preview_PrintsTheMaskedBodyAndTheReport()
    {
        var input = Path.Combine(DemoFixtures, "support-agent-contact", "input.json");

        var (exitCode, output, error) = await RunAsync("rules", "preview", DemoRules, "--role", "support-agent", "--path", "/api/contacts/c-00001", "--input", input);

        Assert.True(exitCode == 0, error);
        Assert.Contains("\"ssn\": \"[REDACTED]\"", output);
        Assert.Contains("national_id:redact: 1", output);
        Assert.DoesNotContain("195-33-7518", output);
    }

    [Fact]
    public async Task Preview_UncoveredPath_SaysTheGatewayWouldBlockIt()
    {
        var input = Path.Combine(DemoFixtures, "support-agent-contact", "input.json");

        var (exitCode, _, error) = await RunAsync("rules", "preview", DemoRules, "--role", "support-agent", "--path", "/api/accounts", "--input", input);

        Assert.Equal(RulesCommands.Invalid, exitCode);
        Assert.Contains("no entity covers /api/accounts", error);
    }

    [Fact]
    public async Task Test_ShippedDemoFixtures_AllPass()
    {
        var (exitCode, output, _) = await RunAsync("rules", "test", DemoRules, DemoFixtures);

        Assert.Equal(0, exitCode);
        Assert.EndsWith("10 passed, 0 failed", output.Trim());
        Assert.Contains("PASS support-agent-write-ssn", output);
    }

    [Fact]
    public async Task Test_ShippedSalesforceFixtures_JudgeEachRecordOfACollectionByItsType()
    {
        var (exitCode, output, _) = await RunAsync("rules", "test", Path.Combine(Root, "deploy", "rules", "salesforce.yaml"), Path.Combine(Root, "deploy", "rules", "fixtures", "salesforce"));

        Assert.Equal(0, exitCode);
        Assert.EndsWith("2 passed, 0 failed", output.Trim());
    }

    [Fact]
    public async Task Validate_RulesWithoutPermissions_SayWritesAreDeniedByDefault()
    {
        var (exitCode, output, error) = await RunAsync("rules", "validate", Path.Combine(Root, "deploy", "rules", "hubspot.yaml"));

        Assert.True(exitCode == 0, error);
        Assert.Contains("notice: No permissions section", output);
        Assert.Contains("write_not_allowed", output);
    }

    [Fact]
    public async Task Test_AWriteCaseThatNoLongerMatches_SaysWhatDiffers()
    {
        var fixtures = Directory.CreateTempSubdirectory("fixtures-").FullName;
        var allowed = Path.Combine(fixtures, "ssn-allowed");
        Directory.CreateDirectory(allowed);
        File.Copy(Path.Combine(DemoFixtures, "support-agent-write-ssn", "case.json"), Path.Combine(allowed, "case.json"));
        File.Copy(Path.Combine(DemoFixtures, "support-agent-write-ssn", "request.json"), Path.Combine(allowed, "request.json"));
        File.WriteAllText(Path.Combine(allowed, "expected.json"), """{"allowed": true}""");

        var (exitCode, output, _) = await RunAsync("rules", "test", DemoRules, fixtures);

        Assert.Equal(RulesCommands.Invalid, exitCode);
        Assert.Contains("FAIL ssn-allowed: allowed: expected true, got false", output);
        Assert.Contains("$.ssn", output);
        Assert.DoesNotContain("123-45-6789", output);
    }

    [Fact]
    public async Task Explain_PrintsOperationsAndTheReadWriteMatrix()
    {
        var (exitCode, output, error) = await RunAsync("rules", "explain", DemoRules, "--role", "compliance-officer");

        Assert.True(exitCode == 0, error);
        Assert.Contains("entity contact: read, create, update, delete", output);
        Assert.Matches(@"national_id\s+redact\s+allow\s+mfa", output);
        Assert.Matches(@"contact\s+redact\s+allow\s+yes", output);
    }

    [Fact]
    public async Task Explain_AReadOnlyRole_MayWriteNothing()
    {
        var (exitCode, output, error) = await RunAsync("rules", "explain", DemoRules, "--role", "marketing-analyst");

        Assert.True(exitCode == 0, error);
        Assert.Contains("entity contact-list: read" + Environment.NewLine, output);
        Assert.DoesNotMatch(@"\s(yes|mfa)\r?\n", output);
    }

    [Fact]
    public async Task Test_AFixtureThatNoLongerMatches_FailsWithExitOne()
    {
        var fixtures = Directory.CreateTempSubdirectory("fixtures-").FullName;
        var broken = Path.Combine(fixtures, "leaky");
        Directory.CreateDirectory(broken);
        foreach (var file in new[] { "case.json", "input.json" })
        {
            File.Copy(Path.Combine(DemoFixtures, "support-agent-contact", file), Path.Combine(broken, file));
        }
        File.WriteAllText(Path.Combine(broken, "expected.json"), File.ReadAllText(Path.Combine(DemoFixtures, "support-agent-contact", "input.json")));

        var (exitCode, output, _) = await RunAsync("rules", "test", DemoRules, fixtures);

        Assert.Equal(RulesCommands.Invalid, exitCode);
        Assert.Contains("FAIL leaky", output);
        Assert.EndsWith("0 passed, 1 failed", output.Trim());
    }

    [Fact]
    public async Task DataMap_PrintsWhatEachRoleReceivesOfEachClass()
    {
        var (exitCode, table, error) = await RunAsync("datamap", DemoRules);
        var (_, csv, _) = await RunAsync("datamap", DemoRules, "--csv");

        Assert.True(exitCode == 0, error);
        var lines = table.Split(Environment.NewLine);
        Assert.Matches(@"^class\s+support-agent\s+marketing-analyst\s+compliance-officer", lines[1]);
        Assert.Matches(@"^contact\s+partial \(writes: yes\)\s+pseudonymised \(writes: no\)\s+redacted / MFA: clear \(writes: yes\)", lines.Single(l => l.StartsWith("contact ", StringComparison.Ordinal)));
        Assert.Equal("purpose,basis,role,class,entities,action,receives,action_with_mfa,receives_with_mfa,condition,writes", csv.Split("\r\n")[0]);
        Assert.Contains("(any),,compliance-officer,contact,contact-list contact,redact,redacted,allow,clear,,yes", csv.Split("\r\n"));
        Assert.Contains("(any),,support-agent,national_id,contact-list contact,redact,redacted,redact,redacted,,no", csv.Split("\r\n"));
        Assert.Contains("(any),,compliance-officer,national_id,contact-list contact,redact,redacted,allow,clear,,with MFA", csv.Split("\r\n"));
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await GatewayCtl.InvokeAsync(args, new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
