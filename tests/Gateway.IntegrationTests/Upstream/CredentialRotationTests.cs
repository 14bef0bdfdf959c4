using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests.Upstream;

public sealed class CredentialRotationTests
{
    /// <summary>Not the certificate files' default (10 s), so that the credential file's poll is the one the test waits for.</summary>
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(3);

    /// <summary>The gateway's clock: the credential file is checked when the test moves it on by the check interval.</summary>
    private readonly FakeClock _clock = new();

    [Fact]
    public async Task CredentialFile_Rewritten_NewValueIsInjectedWithoutRestart()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Upstream:Credential:ReloadCheckInterval", CheckInterval.ToString())
            .WithServices(services => services.AddSingleton<TimeProvider>(_clock))
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        // The file is checked by a background task that starts after the host: move time on once it is polling.
        await _clock.PollingEveryAsync(CheckInterval);

        await File.WriteAllTextAsync(gateway.CredentialFile, "Bearer rotated-credential\n");
        _clock.Advance(CheckInterval);
        var seen = await Eventually.ValueAsync(async () =>
        {
            crm.ResetLogEntries();
            await client.GetAsync(gateway.Url("/api/contacts"));
            return crm.ReceivedHeader("Authorization");
        }, value => value == "Bearer rotated-credential");

        Assert.Equal("Bearer rotated-credential", seen);
    }

    [Fact]
    public async Task CredentialFile_EmptiedByRotation_PreviousValueStaysInUse()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Upstream:Credential:ReloadCheckInterval", CheckInterval.ToString())
            .WithServices(services => services.AddSingleton<TimeProvider>(_clock))
            .WithCapturedLog(out var log)
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        await _clock.PollingEveryAsync(CheckInterval);

        await File.WriteAllTextAsync(gateway.CredentialFile, "   \n");
        // Past the next check, which refuses the file and says so: only then is "nothing changed" worth asserting.
        _clock.Advance(CheckInterval);
        Assert.NotNull(await log.WaitForAsync(entry => entry.Contains("CRM credential file changed but could not be used", StringComparison.Ordinal)));
        await client.GetAsync(gateway.Url("/api/contacts"));

        Assert.Equal(gateway.CredentialValue, crm.ReceivedHeader("Authorization"));
    }

    [Fact]
    public async Task Credential_FromEnvironmentVariable_IsInjected()
    {
        using var crm = CrmStub.StartHttp();
        var variable = $"GATEWAY_TEST_CRM_CREDENTIAL_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "ApiKey from-environment");
        try
        {
            await using var gateway = await GatewayUnderTest.For(crm.Url!)
                .With("Gateway:Upstream:Credential:ValueFile", null)
                .With("Gateway:Upstream:Credential:ValueEnvironmentVariable", variable)
                .With("Gateway:Upstream:Credential:Header", "X-Api-Key")
                .StartAsync();
            using var client = GatewayUnderTest.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url("/api/contacts"));
            request.Headers.TryAddWithoutValidation("X-Api-Key", "client-supplied-key");

            await client.SendAsync(request);

            Assert.Equal("ApiKey from-environment", crm.ReceivedHeader("X-Api-Key"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }
}
