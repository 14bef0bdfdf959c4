using System.Net;
using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Transport;

internal sealed class TransportOptionsValidator(IConfiguration configuration) : IValidateOptions<TransportOptions>
{
    public ValidateOptionsResult Validate(string? name, TransportOptions options)
    {
        var errors = new ValidationErrors();
        ValidateListener(errors, "Gateway:Transport:Proxy", options.Proxy);
        ValidateListener(errors, "Gateway:Transport:Admin", options.Admin);
        if (options.Proxy.Port == options.Admin.Port)
        {
            errors.Add("Gateway:Transport:Admin:Port", "must differ from the proxy port, so that health endpoints never share a port with CRM data.");
        }

        var certificate = options.Certificate;
        errors.RequireFile("Gateway:Transport:Certificate:Path", certificate.Path, "the TLS certificate file");
        if (certificate.Path is not null && CertificateFiles.IsPem(certificate.Path))
        {
            errors.RequireFile("Gateway:Transport:Certificate:KeyPath", certificate.KeyPath, "a PEM certificate needs its private key file, which");
        }
        if (certificate.PasswordEnvironmentVariable is { } variable && Environment.GetEnvironmentVariable(variable) is null)
        {
            errors.Add("Gateway:Transport:Certificate:PasswordEnvironmentVariable", $"environment variable '{variable}' is not set.");
        }
        if (certificate.ReloadCheckInterval <= TimeSpan.Zero)
        {
            errors.Add("Gateway:Transport:Certificate:ReloadCheckInterval", "must be positive.");
        }

        for (var i = 0; i < options.TrustedProxies.Count; i++)
        {
            if (!TrustedNetworks.TryParse(options.TrustedProxies[i], out _))
            {
                errors.Add($"Gateway:Transport:TrustedProxies[{i}]", $"'{options.TrustedProxies[i]}' is neither an IP address nor a CIDR network.");
            }
        }

        for (var i = 0; i < options.AllowedHosts.Count; i++)
        {
            if (HostNameSet.Problem(options.AllowedHosts[i]) is { } problem)
            {
                errors.Add($"Gateway:Transport:AllowedHosts[{i}]", problem);
            }
        }

        if (options.Hsts.MaxAge < TimeSpan.Zero)
        {
            errors.Add("Gateway:Transport:Hsts:MaxAge", "must not be negative.");
        }

        if (configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            errors.Add("Kestrel:Endpoints", "listeners are configured with Gateway:Transport only; Kestrel endpoints could open a plain-HTTP port.");
        }
        return errors.ToResult();
    }

    private static void ValidateListener(ValidationErrors errors, string path, ListenerOptions listener)
    {
        if (listener.Port is < 1 or > 65535)
        {
            errors.Add($"{path}:Port", $"{listener.Port} is not a TCP port from 1 to 65535 (the admin branch is chosen by port, so it must be fixed).");
        }
        if (!ListenerAddress.IsValid(listener.Address))
        {
            errors.Add($"{path}:Address", $"'{listener.Address}' is not 'any', 'localhost' or an IP address.");
        }
    }
}

internal static class ListenerAddress
{
    public static bool IsValid(string address) =>
        address is "any" or "localhost" || IPAddress.TryParse(address, out _);
}
