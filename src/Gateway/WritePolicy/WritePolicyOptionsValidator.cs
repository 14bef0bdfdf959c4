using Gateway.Configuration;
using Gateway.RequestGuard;
using Microsoft.Extensions.Options;

namespace Gateway.WritePolicy;

internal sealed class WritePolicyOptionsValidator(IConfiguration configuration) : IValidateOptions<WritePolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, WritePolicyOptions options)
    {
        var errors = new ValidationErrors();
        if (options.UncoveredRoutes is not ("deny" or "allow"))
        {
            errors.Add($"{WritePolicyOptions.Section}:UncoveredRoutes", $"'{options.UncoveredRoutes}' is not deny or allow.");
        }
        var guardLimit = configuration.GetValue<long?>($"{RequestGuardOptions.Section}:{nameof(RequestGuardOptions.MaxRequestBodyBytes)}")
            ?? new RequestGuardOptions().MaxRequestBodyBytes;
        if (options.MaxBodyBytes is null)
        {
            // The guard's limit applies.
        }
        else if (options.MaxBodyBytes <= 0)
        {
            errors.Add($"{WritePolicyOptions.Section}:MaxBodyBytes", "must be positive.");
        }
        else if (options.MaxBodyBytes > guardLimit)
        {
            errors.Add($"{WritePolicyOptions.Section}:MaxBodyBytes",
                $"must be at most {RequestGuardOptions.Section}:MaxRequestBodyBytes ({guardLimit}): the check judges the body the guard holds.");
        }
        if (options.MaxDepth is < 2 or > 1000)
        {
            errors.Add($"{WritePolicyOptions.Section}:MaxDepth", "must be between 2 and 1000.");
        }
        if (options.MaxReportedFields is < 1 or > 10_000)
        {
            errors.Add($"{WritePolicyOptions.Section}:MaxReportedFields", "must be between 1 and 10000.");
        }
        return errors.ToResult();
    }
}
