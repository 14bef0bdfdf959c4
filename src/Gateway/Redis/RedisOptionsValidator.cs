using Gateway.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Redis;

internal sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        var errors = new ValidationErrors();
        if (options.Configuration is { } configuration)
        {
            try
            {
                if (ConfigurationOptions.Parse(configuration).EndPoints.Count == 0)
                {
                    errors.Add("Gateway:Redis:Configuration", "names no endpoint.");
                }
            }
            catch (ArgumentException ex)
            {
                errors.Add("Gateway:Redis:Configuration", $"is not a valid StackExchange.Redis configuration string: {ex.Message}");
            }
        }
        return errors.ToResult();
    }
}
