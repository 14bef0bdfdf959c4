using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Telemetry;

internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var errors = new ValidationErrors();
        if (options.OtlpEndpoint is { } endpoint && !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
        {
            errors.Add("Gateway:Telemetry:OtlpEndpoint", $"'{endpoint}' is not an absolute URI.");
        }
        if (!OtlpProtocols.TryParse(options.OtlpProtocol, out _))
        {
            errors.Add("Gateway:Telemetry:OtlpProtocol", $"'{options.OtlpProtocol}' is neither 'grpc' nor 'http/protobuf'.");
        }
        if (string.IsNullOrWhiteSpace(options.ServiceName))
        {
            errors.Add("Gateway:Telemetry:ServiceName", "must not be empty.");
        }
        return errors.ToResult();
    }
}
