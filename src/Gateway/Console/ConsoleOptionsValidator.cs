using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.PrivacyConsole;

internal sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        var errors = new ValidationErrors();
        var roles = new Dictionary<string, string>
        {
            [nameof(ConsoleOptions.RulesEditorRole)] = options.RulesEditorRole,
            [nameof(ConsoleOptions.PrivacyOfficerRole)] = options.PrivacyOfficerRole,
            [nameof(ConsoleOptions.SocAnalystRole)] = options.SocAnalystRole,
        };
        foreach (var (setting, role) in roles)
        {
            if (string.IsNullOrWhiteSpace(role))
            {
                errors.Add($"{ConsoleOptions.Section}:{setting}", "must name a gateway role.");
            }
        }
        if (options.MaxRequestBytes is < 4096 or > 16 * 1024 * 1024)
        {
            errors.Add($"{ConsoleOptions.Section}:MaxRequestBytes", "must be between 4096 and 16777216.");
        }
        if (options.MaxPreviewRoles is < 1 or > 64)
        {
            errors.Add($"{ConsoleOptions.Section}:MaxPreviewRoles", "must be between 1 and 64.");
        }
        Range(errors, nameof(ConsoleOptions.MaxAuditEvents), options.MaxAuditEvents, 1, 10_000);
        Range(errors, nameof(ConsoleOptions.MaxAuditScan), options.MaxAuditScan, 1, 1_000_000);
        Range(errors, nameof(ConsoleOptions.MaxVerifyEvents), options.MaxVerifyEvents, 1, 10_000_000);
        Range(errors, nameof(ConsoleOptions.MaxSubjectsPerRow), options.MaxSubjectsPerRow, 1, 10_000_000);
        return errors.ToResult();
    }

    private static void Range(ValidationErrors errors, string setting, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{ConsoleOptions.Section}:{setting}", $"must be between {min} and {max}.");
        }
    }
}
