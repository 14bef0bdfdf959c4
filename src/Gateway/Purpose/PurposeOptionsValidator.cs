using Gateway.Configuration;
using Gateway.Upstream;
using Microsoft.Extensions.Options;

namespace Gateway.Purpose;

internal sealed class PurposeOptionsValidator(IConfiguration configuration) : IValidateOptions<PurposeOptions>
{
    public ValidateOptionsResult Validate(string? name, PurposeOptions options)
    {
        var errors = new ValidationErrors();
        foreach (var (purpose, definition) in options.Catalog)
        {
            var path = $"{PurposeOptions.Section}:Catalog:{purpose}";
            if (!LegalBases.ByName.ContainsKey(definition.Basis))
            {
                errors.Add($"{path}:Basis", $"'{definition.Basis}' is not {string.Join(", ", LegalBases.ByName.Keys)}.");
            }
            if (definition.WithoutBasis is not ("remove" or "mask"))
            {
                errors.Add($"{path}:WithoutBasis", $"'{definition.WithoutBasis}' is not remove or mask.");
            }
        }
        if (!HeaderName.IsValid(options.Header))
        {
            errors.Add($"{PurposeOptions.Section}:Header", "must be a valid header name.");
        }
        foreach (var (client, settings) in options.Clients)
        {
            var path = $"{PurposeOptions.Section}:Clients:{client}";
            if (settings.Default is { } fallback && !options.Catalog.ContainsKey(fallback))
            {
                errors.Add($"{path}:Default", $"'{fallback}' is not a purpose of {PurposeOptions.Section}:Catalog.");
            }
            foreach (var allowed in settings.Allowed.Where(a => !options.Catalog.ContainsKey(a)))
            {
                errors.Add($"{path}:Allowed", $"'{allowed}' is not a purpose of {PurposeOptions.Section}:Catalog.");
            }
        }
        var dependsOnSubject = options.Catalog.Values.Any(p => LegalBases.ByName.TryGetValue(p.Basis, out var basis) && basis.DependsOnSubject());
        if (dependsOnSubject && string.IsNullOrWhiteSpace(configuration["Gateway:Redis:Configuration"]))
        {
            errors.Add($"{PurposeOptions.Section}:Catalog", "purposes based on consent or legitimate interest need the consent store: set Gateway:Redis:Configuration.");
        }
        if (dependsOnSubject && string.IsNullOrWhiteSpace(configuration["Gateway:Audit:KeyFile"]))
        {
            errors.Add($"{PurposeOptions.Section}:Catalog", "the consent store keeps subjects as keyed hashes: set Gateway:Audit:KeyFile.");
        }
        return errors.ToResult();
    }
}
