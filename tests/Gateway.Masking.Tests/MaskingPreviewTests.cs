using System.Text;
using Gateway.Masking.Rules;
using static Gateway.Masking.Tests.MaskingFixture;

namespace Gateway.Masking.Tests;

/// <summary>The console's preview: the masker's own output, plus where each change happened (JSON Pointer), its class and action.</summary>
public sealed class MaskingPreviewTests
{
    private const string Body = """
        {"data":[
          {"id":"c-1","email":"ada@example.com","phones":[{"type":"work","number":"+1-555-0100"},{"type":"mobile","number":"+1-555-0199"}],"ssn":"195-33-7518","a/b~c":{"taxId":"X1"},"score":1},
          {"id":"c-2","email":"alan@example.com","address":{"street":"1 Loop","city":"Riverton"},"taxId":{"country":"GB","number":"X1"}}
        ],"paging":{"total":2}}
        """;

    [Fact]
    public async Task Preview_ListsEveryChangeWithItsPointerClassAndAction()
    {
        var (masked, preview) = await PreviewAsync(Body, "support-agent");

        Assert.Equal(Mask(Body, "support-agent"), masked);
        Assert.Equal(
        [
            new MaskedChange("/data/0/email", "contact", "partial", false),
            new MaskedChange("/data/0/phones/0/number", "contact", "partial", false),
            new MaskedChange("/data/0/phones/1/number", "contact", "partial", false),
            new MaskedChange("/data/0/ssn", "national_id", "redact", false),
            new MaskedChange("/data/0/a~1b~0c/taxId", "national_id", "redact", false),
            new MaskedChange("/data/1/email", "contact", "partial", false),
            new MaskedChange("/data/1/address/street", "contact", "partial", false),
            new MaskedChange("/data/1/address/city", "contact", "partial", false),
            new MaskedChange("/data/1/taxId/country", "national_id", "redact", false),
            new MaskedChange("/data/1/taxId/number", "national_id", "redact", false),
        ], preview.Changes);
    }

    [Fact]
    public async Task Preview_NamesRemovedValuesAndContainersOnce()
    {
        var (masked, preview) = await PreviewAsync(Body, "marketing-analyst");

        Assert.Equal(Mask(Body, "marketing-analyst"), masked);
        Assert.Contains(new MaskedChange("/data/0/phones/1/type", "unclassified", "remove", true), preview.Changes);
        Assert.Contains(new MaskedChange("/data/1/taxId", "national_id", "remove", true), preview.Changes);
        Assert.DoesNotContain(preview.Changes, c => c.Pointer.StartsWith("/data/1/taxId/", StringComparison.Ordinal));
        Assert.Contains(new MaskedChange("/data/1/address/street", "contact", "hash", false), preview.Changes);
        Assert.Contains(new MaskedChange("/data/0/email", "contact", "hash", false), preview.Changes);
        Assert.Contains(new MaskedChange("/data/0/id", "unclassified", "remove", true), preview.Changes);
    }

    [Fact]
    public void Compile_GivesTheColumnOfYamlErrors()
    {
        var error = Assert.Single(Assert.Throws<RulesException>(() => (object)Compile("version: 1\nclasses:\n  name: { sensitivity: [\n")).Errors);

        Assert.Equal("(file)", error.Path);
        Assert.True(error.Line >= 3);
        Assert.True(error.Column > 0);
    }

    [Fact]
    public void Compile_GivesTheColumnOfAnUnknownKey()
    {
        var yaml = MaskingFixture.Rules.Replace("  contact:      { sensitivity: medium }", "  contact:      { sensitivity: medium, colour: red }", StringComparison.Ordinal);

        var error = Assert.Single(Assert.Throws<RulesException>(() => (object)Compile(yaml)).Errors);

        Assert.Equal(3, error.Line);
        Assert.Equal(yaml.Split('\n')[2].IndexOf("colour", StringComparison.Ordinal) + 1, error.Column);
    }

    private static async Task<(string Masked, MaskingPreview Preview)> PreviewAsync(string body, string role)
    {
        var rules = Compile();
        using var output = new MemoryStream();
        var preview = await new JsonMasker(new MaskingLimits()).PreviewAsync(new MemoryStream(Encoding.UTF8.GetBytes(body)), output, rules,
            rules.EntityFor("/api/contacts")!, rules.ViewFor(new HashSet<string> { role }, mfaUsed: false), CancellationToken.None);
        return (Encoding.UTF8.GetString(output.ToArray()), preview);
    }
}
