using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.RequestGuard;

internal sealed class RequestGuardOptionsValidator : IValidateOptions<RequestGuardOptions>
{
    public ValidateOptionsResult Validate(string? name, RequestGuardOptions options)
    {
        var errors = new ValidationErrors();
        for (var i = 0; i < options.AllowedMethods.Count; i++)
        {
            var method = options.AllowedMethods[i];
            if (!HttpMethodPolicy.CanBeAllowed(method))
            {
                errors.Add($"Gateway:RequestGuard:AllowedMethods[{i}]", $"'{method}' cannot be allowed; use one of {string.Join(", ", HttpMethodPolicy.Allowable)}.");
            }
        }
        if (options.MaxRequestBodyBytes <= 0)
        {
            errors.Add("Gateway:RequestGuard:MaxRequestBodyBytes", "must be positive.");
        }
        if (options.MaxRequestHeadersTotalBytes < 1024)
        {
            errors.Add("Gateway:RequestGuard:MaxRequestHeadersTotalBytes", "must be at least 1024.");
        }
        if (options.MaxRequestHeaderCount < 8)
        {
            errors.Add("Gateway:RequestGuard:MaxRequestHeaderCount", "must be at least 8.");
        }
        if (options.MaxRequestLineBytes < 256)
        {
            errors.Add("Gateway:RequestGuard:MaxRequestLineBytes", "must be at least 256.");
        }
        return errors.ToResult();
    }
}
