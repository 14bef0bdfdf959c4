using Microsoft.Extensions.Options;

namespace Gateway.Configuration;

/// <summary>Collects every problem of one options object (never just the first) with the configuration path it concerns.</summary>
internal sealed class ValidationErrors
{
    private readonly List<string> _errors = [];

    public int Count => _errors.Count;

    public void Add(string path, string message) => _errors.Add($"{path}: {message}");

    /// <summary>A message that starts with the path it concerns already (a loader's exception message).</summary>
    public void Add(string messageWithPath) => _errors.Add(messageWithPath);

    public void RequireFile(string path, string? filePath, string what)
    {
        if (string.IsNullOrWhiteSpace(filePath))
        {
            Add(path, $"{what} is required.");
        }
        else if (!File.Exists(filePath))
        {
            Add(path, $"{what} '{filePath}' does not exist.");
        }
    }

    public ValidateOptionsResult ToResult() =>
        _errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_errors);
}
