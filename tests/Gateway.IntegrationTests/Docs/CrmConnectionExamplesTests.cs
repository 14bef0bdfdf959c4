using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Upstream;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Configuration;

namespace Gateway.IntegrationTests.Docs;

/// <summary>
/// "Connecting to Salesforce / Dynamics 365 / HubSpot" in operations.md, tried as a new user
/// would: each CRM's settings bind and pass start-up validation (with its secret files in place),
/// and its routes reach every path the shipped rules file of that CRM masks.
/// </summary>
public sealed partial class CrmConnectionExamplesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("crm-examples-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string, string> Crms() => new()
    {
        { "Salesforce", "salesforce" },
        { "Dynamics 365", "dynamics" },
        { "HubSpot", "hubspot" },
    };

    [Theory]
    [MemberData(nameof(Crms))]
    public void Example_PassesStartupValidation(string heading, string rules)
    {
        var configuration = Example(heading);
        var options = configuration.GetSection("Gateway:Upstream").Get<UpstreamOptions>(binder => binder.ErrorOnUnknownConfiguration = true)!;

        var result = new UpstreamOptionsValidator(configuration).Validate(null, options);

        Assert.True(result.Succeeded, $"{heading} ({rules}): {result.FailureMessage}");
    }

    [Theory]
    [MemberData(nameof(Crms))]
    public void Example_RoutesReachEveryPathTheRulesMask(string heading, string rules)
    {
        var templates = Example(heading).GetSection("ReverseProxy:Routes").GetChildren()
            .Select(route => new TemplateMatcher(TemplateParser.Parse(route["Match:Path"]!), []))
            .ToList();
        var masked = RulesRoutes().Matches(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "rules", $"{rules}.yaml")))
            .SelectMany(m => m.Groups["list"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Select(route => Placeholder().Replace(route.Trim('"'), "x1").Replace("*", "v1", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(masked);
        Assert.All(masked, path => Assert.True(templates.Any(t => t.TryMatch(path, new RouteValueDictionary())), $"{heading}: no route reaches {path}"));
    }

    /// <summary>The CRM's json blocks (its Gateway:Upstream section and its ReverseProxy section) as one configuration, with its secret files written.</summary>
    private IConfiguration Example(string heading)
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "operations.md"));
        var section = docs[docs.IndexOf("### Connecting to Salesforce / Dynamics 365 / HubSpot", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", StringComparison.Ordinal)];
        var start = section.IndexOf($"**{heading} ", StringComparison.Ordinal);
        Assert.True(start >= 0, $"operations.md has no paragraph for {heading}");
        var next = section.IndexOf("\n**", start + 2, StringComparison.Ordinal);
        var part = next < 0 ? section[start..] : section[start..next];
        var blocks = JsonBlocks().Matches(part).Select(m => m.Groups["json"].Value).ToList();
        var upstream = JsonNode.Parse("{" + blocks.Single(b => b.TrimStart().StartsWith("\"Upstream\"", StringComparison.Ordinal)) + "}")!;
        var proxy = JsonNode.Parse("{" + blocks.Single(b => b.TrimStart().StartsWith("\"ReverseProxy\"", StringComparison.Ordinal)) + "}")!;
        var credential = upstream["Upstream"]!["Credential"]!.AsObject();
        foreach (var (name, value) in credential.ToList())
        {
            if (value is JsonValue text && text.TryGetValue<string>(out var path) && path.StartsWith("/etc/gateway/secrets/", StringComparison.Ordinal))
            {
                credential[name] = WriteSecret(Path.GetFileName(path));
            }
        }
        var json = new JsonObject { ["Gateway"] = upstream.DeepClone(), ["ReverseProxy"] = proxy["ReverseProxy"]!.DeepClone() };
        return new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json.ToJsonString()))).Build();
    }

    private string WriteSecret(string name)
    {
        var path = Path.Combine(_directory, name);
        if (name.EndsWith(".key", StringComparison.Ordinal))
        {
            using var key = RSA.Create(2048);
            File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
        }
        else
        {
            File.WriteAllText(path, name.Contains("credential", StringComparison.Ordinal) ? "Bearer example-token\n" : "example-secret\n");
        }
        return path;
    }

    [GeneratedRegex("```json\\n(?<json>.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlocks();

    [GeneratedRegex("routes:\\s*\\[(?<list>[^\\]]*)\\]")]
    private static partial Regex RulesRoutes();

    [GeneratedRegex("\\{[^}]*\\}")]
    private static partial Regex Placeholder();
}
