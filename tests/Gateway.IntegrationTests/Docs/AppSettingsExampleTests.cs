using System.Reflection;
using Gateway.Audit;
using Gateway.Consent;
using Gateway.Identity;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Masking;
using Gateway.PrivacyConsole;
using Gateway.Purpose;
using Gateway.Quota;
using Gateway.Redis;
using Gateway.RequestGuard;
using Gateway.Telemetry;
using Gateway.Transport;
using Gateway.Upstream;
using Microsoft.Extensions.Configuration;

namespace Gateway.IntegrationTests.Docs;

/// <summary>appsettings.example.json must document every setting and nothing that does not exist.</summary>
public sealed class AppSettingsExampleTests
{
    private static readonly IConfiguration Example = new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(RepositoryRoot.Path, "appsettings.example.json"), optional: false)
        .Build();

    public static TheoryData<string, Type> Sections() => new()
    {
        { TransportOptions.Section, typeof(TransportOptions) },
        { RequestGuardOptions.Section, typeof(RequestGuardOptions) },
        { UpstreamOptions.Section, typeof(UpstreamOptions) },
        { RedisOptions.Section, typeof(RedisOptions) },
        { TelemetryOptions.Section, typeof(TelemetryOptions) },
        { IdentityOptions.Section, typeof(IdentityOptions) },
        { MaskingOptions.Section, typeof(MaskingOptions) },
        { AuditOptions.Section, typeof(AuditOptions) },
        { PurposeOptions.Section, typeof(PurposeOptions) },
        { ConsentOptions.Section, typeof(ConsentOptions) },
        { Gateway.WritePolicy.WritePolicyOptions.Section, typeof(Gateway.WritePolicy.WritePolicyOptions) },
        { Gateway.Detector.DetectorOptions.Section, typeof(Gateway.Detector.DetectorOptions) },
        { ConsoleOptions.Section, typeof(ConsoleOptions) },
        { QuotaOptions.Section, typeof(QuotaOptions) },
    };

    [Theory]
    [MemberData(nameof(Sections))]
    public void Example_BindsWithoutUnknownKeys(string section, Type optionsType)
    {
        var bound = Example.GetSection(section).Get(optionsType, binder => binder.ErrorOnUnknownConfiguration = true);

        Assert.NotNull(bound);
    }

    [Theory]
    [MemberData(nameof(Sections))]
    public void Example_MentionsEverySetting(string section, Type optionsType)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "appsettings.example.json"));

        foreach (var key in SettingNames(optionsType))
        {
            Assert.True(text.Contains($"\"{key}\"", StringComparison.Ordinal), $"{section}: '{key}' is not documented in appsettings.example.json");
        }
    }

    private static IEnumerable<string> SettingNames(Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            yield return property.Name;
            var propertyType = property.PropertyType;
            if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(List<>))
            {
                propertyType = propertyType.GetGenericArguments()[0];
            }
            else if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                propertyType = propertyType.GetGenericArguments()[1];
            }
            if (propertyType.IsClass && propertyType != typeof(string) && !propertyType.IsGenericType)
            {
                foreach (var nested in SettingNames(propertyType))
                {
                    yield return nested;
                }
            }
        }
    }
}
