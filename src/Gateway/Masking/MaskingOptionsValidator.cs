using Gateway.Configuration;
using Gateway.Masking.Rules;
using Gateway.Purpose;
using Microsoft.Extensions.Options;

namespace Gateway.Masking;

/// <summary>Checks the settings and compiles the rules, so that rule errors are listed at start-up with every other configuration error.</summary>
internal sealed class MaskingOptionsValidator(IConfiguration configuration) : IValidateOptions<MaskingOptions>
{
    public ValidateOptionsResult Validate(string? name, MaskingOptions options)
    {
        var errors = new ValidationErrors();
        if (!options.Enabled)
        {
            if (PurposeRegistration.Enabled(configuration))
            {
                errors.Add("Gateway:Masking:Enabled", "consent is enforced on the masked response; with masking off, leave Gateway:Purposes:Catalog empty.");
            }
            return errors.ToResult();
        }
        errors.RequireFile("Gateway:Masking:RulesPath", options.RulesPath, "the masking rules file");
        if (options.HashKeyFile is not null)
        {
            errors.RequireFile("Gateway:Masking:HashKeyFile", options.HashKeyFile, "the hash key file");
        }
        if (options.UnknownRoutes is not ("block" or "pass"))
        {
            errors.Add("Gateway:Masking:UnknownRoutes", $"'{options.UnknownRoutes}' is neither block nor pass.");
        }
        if (options.MaxDepth is < 2 or > 1000)
        {
            errors.Add("Gateway:Masking:MaxDepth", "must be from 2 to 1000.");
        }
        if (options.MaxValueBytes < 1024 || options.MaxBodyBytes < options.MaxValueBytes)
        {
            errors.Add("Gateway:Masking:MaxValueBytes", "must be at least 1024 and not above MaxBodyBytes.");
        }
        if (options.ReloadCheckInterval <= TimeSpan.Zero)
        {
            errors.Add("Gateway:Masking:ReloadCheckInterval", "must be positive.");
        }
        foreach (var (path, message) in ResponseHeaderPolicy.Check(options))
        {
            errors.Add(path, message);
        }
        if (options.RulesPath is not null && File.Exists(options.RulesPath))
        {
            try
            {
                RulesFiles.Load(options.RulesPath, options.HashKeyFile);
            }
            catch (RulesException ex)
            {
                foreach (var error in ex.Errors)
                {
                    errors.Add("Gateway:Masking:RulesPath", error.ToString());
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException)
            {
                errors.Add("Gateway:Masking:HashKeyFile", ex.Message);
            }
        }
        return errors.ToResult();
    }
}
