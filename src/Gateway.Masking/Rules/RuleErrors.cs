namespace Gateway.Masking.Rules;

/// <summary>Every problem of a rules file, each with its path in the file (<c>roles.support-agent.contact.keep_last</c>) and line.</summary>
internal sealed class RuleErrors
{
    private readonly List<RuleError> _errors = [];

    public IReadOnlyList<RuleError> All => _errors;

    public bool Any => _errors.Count > 0;

    public void Add(string path, long line, string message) => _errors.Add(new RuleError(path, line, message));

    /// <summary>An error at a known place in the YAML: its line and column.</summary>
    public void Add(string path, YamlDotNet.Core.Mark at, string message) => _errors.Add(new RuleError(path, at.Line, message) { Column = at.Column });
}

public sealed record RuleError(string Path, long Line, string Message)
{
    /// <summary>The column (from 1) where the problem starts, when the parser knows it; 0 when only the line is known.</summary>
    public long Column { get; init; }

    public override string ToString() => Line > 0 ? $"{Path} (line {Line}): {Message}" : $"{Path}: {Message}";
}

/// <summary>A rules file that cannot be used; <see cref="Errors"/> lists all of its problems, not just the first.</summary>
public sealed class RulesException : Exception
{
    internal RulesException(IReadOnlyList<RuleError> errors)
        : base($"The masking rules are invalid ({errors.Count} error{(errors.Count == 1 ? "" : "s")}):{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", errors)}") =>
        Errors = errors;

    public IReadOnlyList<RuleError> Errors { get; }
}
