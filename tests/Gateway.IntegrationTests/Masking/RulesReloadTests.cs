using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.IntegrationTests.Masking;

public sealed class RulesReloadTests : IDisposable
{
    private readonly string _rules = Path.Combine(TestPki.Shared.Directory, $"rules-{Guid.NewGuid():N}.yaml");

    /// <summary>The gateway's clock: the rules file is checked when the test moves it on by the check interval.</summary>
    private readonly FakeClock _clock = new();

    public RulesReloadTests() => File.WriteAllText(_rules, TestRules.Yaml);

    public void Dispose() => File.Delete(_rules);

    [Fact]
    public async Task ValidNewRules_TakeEffectWithinTwoSeconds_InvalidOnesAreRefused()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Masking:RulesPath", _rules)
            .WithServices(services => services.AddSingleton<TimeProvider>(_clock))
            .WithCapturedLog(out var log)
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        Assert.Equal(TestRules.MaskedContactsJson, await client.GetStringAsync(gateway.Url("/api/contacts")));
        var checkInterval = gateway.Services.GetRequiredService<IOptions<Gateway.Masking.MaskingOptions>>().Value.ReloadCheckInterval;
        // The file is checked by a background task that starts after the host: move time on once it is polling.
        await _clock.PollingEveryAsync(checkInterval);

        await File.WriteAllTextAsync(_rules, TestRules.Yaml.Replace("contact:      { action: partial, keep_last: 4 }", "contact:      redact"));
        // Two seconds on the gateway's clock: the file's next check, and no more.
        var written = _clock.GetTimestamp();
        _clock.Advance(checkInterval);
        var body = await PollAsync(client, gateway, body => body.Contains("\"email\":\"[REDACTED]\""));
        Assert.Contains("\"email\":\"[REDACTED]\"", body);
        var took = _clock.GetElapsedTime(written);
        Assert.True(took < TimeSpan.FromSeconds(2), $"took {took.TotalMilliseconds:0} ms");

        await File.WriteAllTextAsync(_rules, TestRules.Yaml.Replace("contact:      { action: partial, keep_last: 4 }", "contact:      allow-everything"));
        // Past the next check, which refuses the file and says so: only then is "nothing changed" worth asserting.
        _clock.Advance(checkInterval);
        Assert.NotNull(await log.WaitForAsync(entry => entry.Contains("Masking rules file changed but was refused", StringComparison.Ordinal)));
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

    /// <summary>Asks until the answer is the one awaited: the reload the clock set off runs in the background.</summary>
    private static Task<string> PollAsync(HttpClient client, GatewayUnderTest gateway, Func<string, bool> done) =>
        Eventually.ValueAsync(() => client.GetStringAsync(gateway.Url("/api/contacts")), done);
}
