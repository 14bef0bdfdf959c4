using System.Text;

namespace Gateway.Masking.Rules;

/// <summary>
/// The documented JSONPath subset: <c>$</c>, <c>.name</c>, <c>['name']</c>, <c>[*]</c> (any array
/// element), <c>.**</c> (any depth, zero or more steps), and a leading <c>**.</c> for "this
/// property name anywhere". Names are compared on their unescaped value.
/// </summary>
internal sealed class JsonPathSelector
{
    private JsonPathSelector(string text, IReadOnlyList<PathStep> steps)
    {
        Text = text;
        Steps = steps;
    }

    /// <summary>Far beyond any real CRM path, and within what a matcher state can count (255).</summary>
    public const int MaxSteps = 200;

    public string Text { get; }

    public IReadOnlyList<PathStep> Steps { get; }

    /// <summary>True for <c>**.name</c> selectors, which apply anywhere in a body, inside records or not.</summary>
    public bool Anywhere => Steps.Count > 0 && Steps[0].Kind == PathStepKind.AnyDepth;

    public static JsonPathSelector? Parse(string text, out string? error)
    {
        error = null;
        var steps = new List<PathStep>();
        var rest = text.AsSpan().Trim();
        if (rest.StartsWith("**."))
        {
            steps.Add(PathStep.AnyDepth);
            rest = rest[2..];
        }
        else if (rest.StartsWith("$"))
        {
            rest = rest[1..];
        }
        else
        {
            error = "a selector starts with $ (the record) or **. (a property name anywhere).";
            return null;
        }
        while (!rest.IsEmpty)
        {
            if (rest.StartsWith(".**"))
            {
                steps.Add(PathStep.AnyDepth);
                rest = rest[3..];
            }
            else if (rest.StartsWith("[*]"))
            {
                steps.Add(PathStep.AnyElement);
                rest = rest[3..];
            }
            else if (rest.StartsWith("['"))
            {
                var name = new StringBuilder();
                var i = 2;
                for (; i < rest.Length && rest[i] != '\''; i++)
                {
                    if (rest[i] == '\\' && i + 1 < rest.Length)
                    {
                        i++;
                    }
                    name.Append(rest[i]);
                }
                if (i + 1 >= rest.Length || rest[i + 1] != ']' || name.Length == 0)
                {
                    error = "a bracketed name is written ['name'].";
                    return null;
                }
                steps.Add(PathStep.Named(name.ToString()));
                rest = rest[(i + 2)..];
            }
            else if (rest.StartsWith("."))
            {
                var end = rest[1..].IndexOfAny(".[");
                var name = end < 0 ? rest[1..] : rest[1..(end + 1)];
                if (name.IsEmpty || name.ContainsAny("*]'\" "))
                {
                    error = $"'{name}' is not a property name; use ['name'] for unusual names.";
                    return null;
                }
                steps.Add(PathStep.Named(name.ToString()));
                rest = rest[(name.Length + 1)..];
            }
            else
            {
                error = $"unexpected '{rest[0]}'; the supported forms are $, .name, ['name'], [*] and .**.";
                return null;
            }
        }
        if (steps.Count > MaxSteps)
        {
            error = $"a selector has at most {MaxSteps} steps.";
            return null;
        }
        return new JsonPathSelector(text, steps);
    }
}

internal enum PathStepKind
{
    Name,
    AnyElement,
    AnyDepth,
}

internal readonly record struct PathStep(PathStepKind Kind, string? Name)
{
    public static readonly PathStep AnyElement = new(PathStepKind.AnyElement, null);
    public static readonly PathStep AnyDepth = new(PathStepKind.AnyDepth, null);

    public static PathStep Named(string name) => new(PathStepKind.Name, name);
}
