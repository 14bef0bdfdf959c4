using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DemoCrm;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.WritePolicy;

/// <summary>The shipped demo rules' permissions, through the gateway to the demo CRM: what is refused never changes a contact.</summary>
public sealed class DemoWriteTests : IAsyncLifetime
{
    private const string Credential = "Bearer demo-crm-write-test";
    private DemoCrmServer _crm = null!;
    private GatewayUnderTest _gateway = null!;
    private readonly HttpClient _client = GatewayUnderTest.CreateClient();
    private HttpClient _direct = null!;

    public async Task InitializeAsync()
    {
        _crm = await DemoCrmServer.StartAsync(new DemoCrmSettings { RequiredAuthorization = Credential, ContactCount = 5 });
        var credentialFile = Path.Combine(TestPki.Shared.Directory, $"demo-credential-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(credentialFile, Credential);
        _gateway = await GatewayUnderTest.For(_crm.BaseAddress.ToString())
            .With("Gateway:Upstream:Credential:ValueFile", credentialFile)
            .With("Gateway:Masking:RulesPath", Path.Combine(RepositoryRoot.Path, "deploy", "rules", "democrm.yaml"))
            .With("Gateway:Masking:HashKeyFile", TestAudit.KeyFile)
            .StartAsync();
        _direct = new HttpClient { BaseAddress = _crm.BaseAddress };
        _direct.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", Credential);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _direct.Dispose();
        await _gateway.DisposeAsync();
        await _crm.DisposeAsync();
    }

    [Fact]
    public async Task SupportAgent_ChangesAPhone_ButNotANationalIdOrBirthDate_AndDeletesNothing()
    {
        var before = await ContactAsync();

        Assert.Equal(HttpStatusCode.OK, (await PatchAsync("""{"phones":[{"type":"mobile","number":"+1-555-0100"}]}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PatchAsync("""{"ssn":"000-00-0000"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PatchAsync("""{"birthDate":"1990-01-01"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _client.DeleteAsync(_gateway.Url("/api/contacts/c-00001"))).StatusCode);

        var after = await ContactAsync();
        Assert.Equal("+1-555-0100", after.GetProperty("phones")[0].GetProperty("number").GetString());
        Assert.Equal(before.GetProperty("ssn").GetString(), after.GetProperty("ssn").GetString());
        Assert.Equal(before.GetProperty("birthDate").GetString(), after.GetProperty("birthDate").GetString());
    }

    [Fact]
    public async Task ComplianceOfficer_WritesANationalIdOnlyWithMfa()
    {
        string Officer(bool mfa) => TestIdentityProvider.Shared.Mint(spec =>
        {
            spec.Claims["roles"] = new[] { "crm-compliance" };
            spec.Claims["amr"] = mfa ? new[] { "pwd", "mfa" } : new[] { "pwd" };
        });

        var withoutMfa = await PatchAsync("""{"ssn":"000-00-0000"}""", Officer(mfa: false));
        Assert.Equal(HttpStatusCode.Forbidden, withoutMfa.StatusCode);
        Assert.Contains("mfa_required_for_write", await withoutMfa.Content.ReadAsStringAsync());
        Assert.NotEqual("000-00-0000", (await ContactAsync()).GetProperty("ssn").GetString());

        Assert.Equal(HttpStatusCode.OK, (await PatchAsync("""{"ssn":"000-00-0000"}""", Officer(mfa: true))).StatusCode);
        Assert.Equal("000-00-0000", (await ContactAsync()).GetProperty("ssn").GetString());
    }

    private async Task<HttpResponseMessage> PatchAsync(string body, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, _gateway.Url("/api/contacts/c-00001"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/merge-patch+json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await _client.SendAsync(request);
    }

    private async Task<JsonElement> ContactAsync() => JsonDocument.Parse(await _direct.GetStringAsync("/api/contacts/c-00001")).RootElement;
}
