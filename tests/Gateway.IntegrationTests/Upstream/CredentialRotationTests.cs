using Gateway.IntegrationTests.Infrastructure;
using WireMock.Server;

namespace Gateway.IntegrationTests.Upstream;

public sealed class CredentialRotationTests
{
    [Fact]
    public async Task CredentialFile_Rewritten_NewValueIsInjectedWithoutRestart()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Upstream:Credential:ReloadCheckInterval", "00:00:00.050")
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        await File.WriteAllTextAsync(gateway.CredentialFile, "Bearer rotated-credential\n");
        var seen = await PollAsync(async () =>
        {
            crm.ResetLogEntries();
            await client.GetAsync(gateway.Url("/api/contacts"));
            return crm.ReceivedHeader("Authorization");
        }, "Bearer rotated-credential");

        Assert.Equal("Bearer rotated-credential", seen);
    }

    [Fact]
    public async Task CredentialFile_EmptiedByRotation_PreviousValueStaysInUse()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .With("Gateway:Upstream:Credential:ReloadCheckInterval", "00:00:00.050")
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        await File.WriteAllTextAsync(gateway.CredentialFile, "   \n");
        await Task.Delay(300);
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

    private static async Task<string?> PollAsync(Func<Task<string?>> read, string expected)
    {
        string? value = null;
        for (var attempt = 0; attempt < 100 && value != expected; attempt++)
        {
            value = await read();
            if (value != expected)
            {
                await Task.Delay(50);
            }
        }
        return value;
    }
}
