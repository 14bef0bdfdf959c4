using Gateway.Configuration;
using Gateway.Masking;
using Microsoft.Extensions.Options;

namespace Gateway.Audit;

internal sealed class AuditOptionsValidator(IConfiguration configuration) : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        var errors = new ValidationErrors();
        if (options.Enabled == true && string.IsNullOrWhiteSpace(configuration["Gateway:Redis:Configuration"]))
        {
            errors.Add("Gateway:Audit:Enabled", "the audit stream lives in Redis; set Gateway:Redis:Configuration.");
        }
        if (!AuditRegistration.Enabled(configuration))
        {
            return errors.ToResult();
        }
        errors.RequireFile("Gateway:Audit:KeyFile", options.KeyFile, "the audit key file");
        if (options.KeyFile is not null && File.Exists(options.KeyFile))
        {
            try
            {
                SecretKeyFile.Read(options.KeyFile, "Gateway:Audit:KeyFile");
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                errors.Add("Gateway:Audit:KeyFile", ex.Message);
            }
        }
        if (string.IsNullOrWhiteSpace(options.Stream))
        {
            errors.Add("Gateway:Audit:Stream", "must not be empty.");
        }
        if (string.IsNullOrWhiteSpace(options.SpoolDirectory))
        {
            errors.Add("Gateway:Audit:SpoolDirectory", "must not be empty.");
        }
        if (options.InstanceId is { } instance && (instance.Length is 0 or > 128 || instance.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            errors.Add("Gateway:Audit:InstanceId", "must be 1 to 128 characters without spaces.");
        }
        if (options.FailMode is not ("closed" or "open"))
        {
            errors.Add("Gateway:Audit:FailMode", $"'{options.FailMode}' is neither closed nor open.");
        }
        if (options.Durability is not ("queued" or "spooled" or "stream"))
        {
            errors.Add("Gateway:Audit:Durability", $"'{options.Durability}' is none of queued, spooled, stream.");
        }
        else if (options.Durability != "queued" && !options.FailsClosed)
        {
            errors.Add("Gateway:Audit:Durability", $"'{options.Durability}' holds each response until its event is kept, which FailMode=open (serve without keeping events) contradicts; set FailMode=closed.");
        }
        if (options.FsyncInterval is { } interval && (interval < TimeSpan.Zero || interval > TimeSpan.FromSeconds(1)))
        {
            errors.Add("Gateway:Audit:FsyncInterval", "must be from 0 (every batch at once) to 1 second (events wait in memory that long).");
        }
        if (options.QueueCapacity is < 1000 or > 10_000_000)
        {
            errors.Add("Gateway:Audit:QueueCapacity", "must be from 1000 to 10000000.");
        }
        if (options.BatchSize < 1 || options.BatchSize > options.QueueCapacity || options.BatchSize > 10_000)
        {
            errors.Add("Gateway:Audit:BatchSize", "must be from 1 to 10000 and not above QueueCapacity.");
        }
        if (options.Retention < TimeSpan.FromDays(1))
        {
            errors.Add("Gateway:Audit:Retention", "must be at least one day.");
        }
        if (options.SendTimeout <= TimeSpan.Zero)
        {
            errors.Add("Gateway:Audit:SendTimeout", "must be positive.");
        }
        return errors.ToResult();
    }
}
