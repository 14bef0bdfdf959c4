using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Consent;

internal sealed class ConsentOptionsValidator : IValidateOptions<ConsentOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsentOptions options)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(options.KeyPrefix))
        {
            errors.Add($"{ConsentOptions.Section}:KeyPrefix", "must not be empty.");
        }
        if (options.CacheTtl < TimeSpan.Zero || options.CacheTtl > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{ConsentOptions.Section}:CacheTtl", "must be between 00:00:00 (no cache) and 00:05:00.");
        }
        if (options.CacheMaxEntries < 0)
        {
            errors.Add($"{ConsentOptions.Section}:CacheMaxEntries", "must not be negative.");
        }
        if (options.LookupTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{ConsentOptions.Section}:LookupTimeout", "must be positive.");
        }
        if (options.BatchBytes < 1024)
        {
            errors.Add($"{ConsentOptions.Section}:BatchBytes", "must be at least 1024.");
        }
        if (options.BatchRecords < 1)
        {
            errors.Add($"{ConsentOptions.Section}:BatchRecords", "must be at least 1.");
        }
        if (string.IsNullOrWhiteSpace(options.AdminRole))
        {
            errors.Add($"{ConsentOptions.Section}:AdminRole", "must not be empty.");
        }
        if (options.MaxImportRows < 1)
        {
            errors.Add($"{ConsentOptions.Section}:MaxImportRows", "must be at least 1.");
        }
        return errors.ToResult();
    }
}
