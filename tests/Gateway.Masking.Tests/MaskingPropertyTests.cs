using System.Text;
using System.Text.Json;
using static Gateway.Masking.Tests.MaskingFixture;

namespace Gateway.Masking.Tests;

/// <summary>
/// For many random bodies (seeded, so a failure can be replayed): the output is valid JSON, and no
/// secret planted under a key the rules redact or remove survives, whatever the nesting, the
/// escaping of the key, or the chunk size the body arrives in. Secrets go under <c>taxId</c>
/// (classified anywhere by <c>**.taxId</c>) at any depth, and under <c>ssn</c> (<c>$.ssn</c>) at the record root.
/// </summary>
public sealed class MaskingPropertyTests
{
    private static readonly string[] AnywhereKeys = ["taxId", "tax\\u0049d", "\\u0074axId"];
    private static readonly string[] RootKeys = ["ssn", "\\u0073sn", "s\\u0073n"];
    private static readonly string[] OtherKeys = ["id", "name", "tags", "meta", "data", "items", "value", "x"];

    [Theory]
    [InlineData("support-agent")]
    [InlineData("marketing-analyst")]
    [InlineData("intern")]
    public void RandomBodies_OutputIsValidJson_AndNoRedactedSecretSurvives(string role)
    {
        var rules = Compile();
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var secrets = new List<string>();
            var body = random.Next(4) == 0 ? Value(random, depth: 0, secrets) : Object(random, depth: 0, secrets);
            var chunk = random.Next(1, 64);

            string output;
            try
            {
                output = Mask(body, role, path: "/api/contacts/c-1", rules: rules, chunk: chunk);
            }
            catch (Gateway.Masking.MaskingException ex)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed}: a valid body was refused ({ex.Reason}): {body}");
            }

            using var parsed = JsonDocument.Parse(output);
            foreach (var secret in secrets)
            {
                Assert.False(output.Contains(secret, StringComparison.Ordinal), $"seed {seed}: '{secret}' survived in {output}");
            }
        }
    }

    private static string Value(Random random, int depth, List<string> secrets) => (depth > 6 ? random.Next(3) : random.Next(6)) switch
    {
        0 => random.Next(2) == 0 ? $"{random.Next(-1000, 1000)}" : "1.5e300",
        1 => JsonSerializer.Serialize($"plain-{random.Next(1000)}"),
        2 => random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" },
        3 or 4 => Object(random, depth, secrets),
        _ => "[" + string.Join(',', Enumerable.Range(0, random.Next(4)).Select(_ => Value(random, depth + 1, secrets))) + "]",
    };

    private static string Object(Random random, int depth, List<string> secrets)
    {
        var members = new StringBuilder("{");
        var count = random.Next(5);
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                members.Append(',');
            }
            if (random.Next(3) == 0)
            {
                var secret = $"SECRET{random.Next(100_000, 999_999)}";
                secrets.Add(secret);
                var planted = random.Next(3) switch
                {
                    0 => JsonSerializer.Serialize(secret),
                    1 => $"{{\"inner\":{JsonSerializer.Serialize(secret)}}}",
                    _ => $"[{JsonSerializer.Serialize(secret)}]",
                };
                var keys = depth == 0 ? RootKeys.Concat(AnywhereKeys).ToArray() : AnywhereKeys;
                members.Append($"\"{keys[random.Next(keys.Length)]}\":{planted}");
            }
            else
            {
                members.Append($"\"{OtherKeys[random.Next(OtherKeys.Length)]}\":{Value(random, depth + 1, secrets)}");
            }
        }
        return members.Append('}').ToString();
    }
}
