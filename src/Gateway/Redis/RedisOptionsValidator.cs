using Gateway.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Redis;

internal sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        var errors = new ValidationErrors();
        ConfigurationOptions? parsed = null;
        if (options.Configuration is { } configuration)
        {
            try
            {
                parsed = ConfigurationOptions.Parse(configuration);
                if (parsed.EndPoints.Count == 0)
                {
                    errors.Add("Gateway:Redis:Configuration", "names no endpoint.");
                }
            }
            catch (ArgumentException ex)
            {
                errors.Add("Gateway:Redis:Configuration", $"is not a valid StackExchange.Redis configuration string: {ex.Message}");
            }
        }
        if (options.PasswordFile is { } passwordFile)
        {
            ValidatePasswordFile(passwordFile, options.Configuration, parsed, errors);
        }
        return errors.ToResult();
    }

    private static void ValidatePasswordFile(string path, string? configuration, ConfigurationOptions? parsed, ValidationErrors errors)
    {
        if (configuration is null)
        {
            errors.Add("Gateway:Redis:PasswordFile", "is set but Gateway:Redis:Configuration is not: there is no Redis to use it for.");
        }
        if (parsed?.Password is not null)
        {
            errors.Add("Gateway:Redis:PasswordFile", "is set and Gateway:Redis:Configuration has a password= too: keep one of them.");
        }
        try
        {
            if (RedisOptions.ReadPassword(path).Length == 0)
            {
                errors.Add("Gateway:Redis:PasswordFile", $"'{path}' is empty.");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add("Gateway:Redis:PasswordFile", $"'{path}' cannot be read: {ex.Message}");
        }
    }
}
