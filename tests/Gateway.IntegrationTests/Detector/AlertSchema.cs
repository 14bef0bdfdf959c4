using System.Text.Json;

namespace Gateway.IntegrationTests.Detector;

/// <summary>
/// Checks an alert against deploy/schemas/alert.schema.json for what that schema uses: type,
/// required, properties, additionalProperties false, items, const, enum, minimum/maximum, $ref
/// into $defs. Enough to keep the schema and the detector's output in step.
/// </summary>
internal static class AlertSchema
{
    public static List<string> Problems(string json)
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(Infrastructure.RepositoryRoot.Path, "deploy", "schemas", "alert.schema.json")));
        using var value = JsonDocument.Parse(json);
        var problems = new List<string>();
        Check(schema.RootElement, schema.RootElement, value.RootElement, "$", problems);
        return problems;
    }

    private static void Check(JsonElement root, JsonElement schema, JsonElement value, string path, List<string> problems)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            schema = root.GetProperty("$defs").GetProperty(reference.GetString()!["#/$defs/".Length..]);
        }
        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
        {
            problems.Add($"{path}: {value} is not {constant}");
        }
        if (schema.TryGetProperty("enum", out var options) && !options.EnumerateArray().Any(o => JsonElement.DeepEquals(o, value)))
        {
            problems.Add($"{path}: {value} is not one of {options}");
        }
        if (schema.TryGetProperty("type", out var type) && !Is(type.GetString()!, value))
        {
            problems.Add($"{path}: not of type {type.GetString()}");
            return;
        }
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (schema.TryGetProperty("minimum", out var min) && value.GetDouble() < min.GetDouble())
            {
                problems.Add($"{path}: below {min}");
            }
            if (schema.TryGetProperty("maximum", out var max) && value.GetDouble() > max.GetDouble())
            {
                problems.Add($"{path}: above {max}");
            }
        }
        if (value.ValueKind == JsonValueKind.Object)
        {
            var properties = schema.TryGetProperty("properties", out var p) ? p : default;
            foreach (var required in schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(e => e.GetString()!) : [])
            {
                if (!value.TryGetProperty(required, out _))
                {
                    problems.Add($"{path}: '{required}' is missing");
                }
            }
            foreach (var property in value.EnumerateObject())
            {
                if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var inner))
                {
                    Check(root, inner, property.Value, $"{path}.{property.Name}", problems);
                }
                else if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False)
                {
                    problems.Add($"{path}: '{property.Name}' is not in the schema");
                }
            }
        }
        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(root, items, item, $"{path}[{i++}]", problems);
            }
        }
    }

    private static bool Is(string type, JsonElement value) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        _ => true,
    };
}
