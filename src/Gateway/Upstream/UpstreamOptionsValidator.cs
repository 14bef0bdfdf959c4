using Gateway.Configuration;
using Gateway.Routing;
using Microsoft.Extensions.Options;

namespace Gateway.Upstream;

internal sealed class UpstreamOptionsValidator(IConfiguration configuration) : IValidateOptions<UpstreamOptions>
{
    public ValidateOptionsResult Validate(string? name, UpstreamOptions options)
    {
        var errors = new ValidationErrors();
        if (!configuration.GetSection("ReverseProxy:Routes").GetChildren().Any())
        {
            errors.Add("ReverseProxy:Routes", "no route is configured, so the gateway would forward nothing.");
        }
        foreach (var (path, message) in UpstreamTlsPolicy.Check(configuration, options.AllowInsecure))
        {
            errors.Add(path, message);
        }
        if (options.TrustedCaPath is not null)
        {
            errors.RequireFile("Gateway:Upstream:TrustedCaPath", options.TrustedCaPath, "the CA bundle");
        }
        ValidateCredential(errors, options.Credential);
        foreach (var (path, message) in RequestHeaderPolicy.Check(options))
        {
            errors.Add(path, message);
        }
        var neverForwarded = RequestHeaderPolicy.NeverForwarded(options.Credential.Header);
        foreach (var route in configuration.GetSection("ReverseProxy:Routes").GetChildren())
        {
            // The same reading as when YARP loads the route (RoutePolicyConfigFilter), here so that
            // start-up lists every problem at once, with the other settings'.
            var metadata = route.GetSection("Metadata").GetChildren().ToDictionary(entry => entry.Key, entry => entry.Value!, StringComparer.OrdinalIgnoreCase);
            foreach (var (path, message) in RoutePolicyReader.Read(route.Key, metadata, neverForwarded, out _).Concat(RequestHeaderPolicy.CheckTransforms(route)))
            {
                errors.Add(path, message);
            }
        }
        return errors.ToResult();
    }

    private static void ValidateCredential(ValidationErrors errors, UpstreamCredentialOptions credential)
    {
        const string path = "Gateway:Upstream:Credential";
        if (!HeaderName.IsValid(credential.Header))
        {
            errors.Add($"{path}:Header", $"'{credential.Header}' is not a valid header name.");
        }
        switch (credential.ValueFile, credential.ValueEnvironmentVariable)
        {
            case (null, null):
                errors.Add(path, "set ValueFile or ValueEnvironmentVariable: the gateway must hold the CRM credential so that clients never do.");
                break;
            case ({ }, { }):
                errors.Add(path, "set only one of ValueFile and ValueEnvironmentVariable.");
                break;
            case ({ } file, null):
                errors.RequireFile($"{path}:ValueFile", file, "the credential file");
                break;
            case (null, { } variable) when string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(variable)):
                errors.Add($"{path}:ValueEnvironmentVariable", $"environment variable '{variable}' is not set or empty.");
                break;
        }
        if (credential.ReloadCheckInterval <= TimeSpan.Zero)
        {
            errors.Add($"{path}:ReloadCheckInterval", "must be positive.");
        }
    }
}
