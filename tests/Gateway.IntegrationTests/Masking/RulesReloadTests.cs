using System.Diagnostics;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Gateway.IntegrationTests.Masking;

public sealed class RulesReloadTests : IDisposable
{
    private readonly string _rules = Path.Combine(TestPki.Shared.Directory, $"rules-{Guid.NewGuid():N}.yaml");

    public RulesReloadTests() => File.WriteAllText(_rules, TestRules.Yaml);

    public void Dispose() => File.Delete(_rules);

    [Fact]
    public async Task ValidNewRules_TakeEffectWithinTwoSeconds_InvalidOnesAreRefused()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).With("Gateway:Masking:RulesPath", _rules).StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        Assert.Equal(TestRules.MaskedContactsJson, await client.GetStringAsync(gateway.Url("/api/contacts")));

        await File.WriteAllTextAsync(_rules, TestRules.Yaml.Replace("contact:      { action: partial, keep_last: 4 }", "contact:      redact"));
        var clock = Stopwatch.StartNew();
        var body = await PollAsync(client, gateway, body => body.Contains("\"email\":\"[REDACTED]\""));
        Assert.Contains("\"email\":\"[REDACTED]\"", body);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed.TotalMilliseconds:0} ms");

        await File.WriteAllTextAsync(_rules, TestRules.Yaml.Replace("contact:      { action: partial, keep_last: 4 }", "contact:      allow-everything"));
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Contains("\"email\":\"[REDACTED]\"", await client.GetStringAsync(gateway.Url("/api/contacts")));
    }

    [Fact]
    public async Task InvalidRulesAtStart_StopStartupWithEveryErrorAndItsLine()
    {
        await File.WriteAllTextAsync(_rules, TestRules.Yaml.Replace("national_id:  redact", "national_id:  obliterate").Replace("\"$.email\": contact", "\"$.email\": contakt"));
        await using var gateway = GatewayUnderTest.For("https://crm.example.com/").With("Gateway:Masking:RulesPath", _rules);

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => gateway.StartAsync());

        Assert.Contains(failure.Failures, f => f.Contains("roles.support-agent.national_id") && f.Contains("obliterate") && f.Contains("(line"));
        Assert.Contains(failure.Failures, f => f.Contains("entities.contacts.fields[\"$.email\"]") && f.Contains("contakt"));
    }

    private static async Task<string> PollAsync(HttpClient client, GatewayUnderTest gateway, Func<string, bool> done)
    {
        var body = string.Empty;
        for (var attempt = 0; attempt < 60 && !done(body); attempt++)
        {
            body = await client.GetStringAsync(gateway.Url("/api/contacts"));
            if (!done(body))
            {
                await Task.Delay(50);
            }
        }
        return body;
    }
}
