using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using DemoCrm;
using Gateway.Audit;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Audit;

/// <summary>
/// One event per request, allowed or denied, with what the SOC needs and nothing it must not see.
/// Revocation (on by default with Redis) answers 503 until its first load; it is off here, where
/// the first request's event is the subject.
/// </summary>
public sealed partial class AuditTrailTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const string Credential = "Bearer demo-crm-audit-test";

    [Fact]
    public async Task AllowedAndDeniedRequests_EachBecomeOneEvent_WithTheirOutcome()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).WithAudit(redis.Configuration).With("Gateway:Identity:Revocation:Enabled", "false").StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(gateway.Url("/api/contacts?limit=5&email=jane%40example.com"))).StatusCode);
        using var noToken = new HttpRequestMessage(HttpMethod.Get, gateway.Url("/api/contacts"));
        noToken.Headers.Add("X-No-Token", "1");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(noToken)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync(gateway.Url("/api/contacts%2Fc-1"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(gateway.Url("/elsewhere"))).StatusCode);

        var events = await TestAudit.WaitForAsync(redis.Configuration, gateway.AuditStream!, 4);
        Assert.Equal(4, events.Count);
        Assert.All(events, e => Assert.Equal(6003, e.Document.RootElement.GetProperty("class_uid").GetInt32()));
        Assert.Equal([1L, 2L, 3L, 4L], events.Select(e => e.Sequence!.Value));

        var allowed = events[0].Document.RootElement;
        Assert.Equal("Modified", allowed.GetProperty("action").GetString());
        Assert.Equal(200, allowed.GetProperty("http_response").GetProperty("code").GetInt32());
        Assert.Equal("/api/contacts", allowed.GetProperty("http_request").GetProperty("url").GetProperty("path").GetString());
        Assert.Equal(["limit", "email"], allowed.GetProperty("unmapped").GetProperty("query_keys").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal("user-1", allowed.GetProperty("actor").GetProperty("user").GetProperty("uid").GetString());
        Assert.Equal("app-1", allowed.GetProperty("actor").GetProperty("app_uid").GetString());
        Assert.Equal(TestAudit.Keys.Pseudonym("c-1"), allowed.GetProperty("resources")[0].GetProperty("uid").GetString());
        Assert.Equal(1, allowed.GetProperty("unmapped").GetProperty("masking").GetProperty("records").GetInt32());
        Assert.Equal(1, allowed.GetProperty("unmapped").GetProperty("masking").GetProperty("masked").GetProperty("contact:partial").GetInt32());
        Assert.False(string.IsNullOrEmpty(allowed.GetProperty("policy").GetProperty("version").GetString()));
        Assert.True(allowed.GetProperty("duration").GetDouble() > 0);

        AssertDenied(events[1], 401, "identity", "token_missing");
        AssertDenied(events[2], 400, "request_guard", "path_encoded_slash");
        Assert.Equal(404, events[3].Document.RootElement.GetProperty("http_response").GetProperty("code").GetInt32());

        var text = string.Join('\n', events.Select(e => e.JsonText));
        Assert.DoesNotContain("jane", text);
        Assert.DoesNotContain(GatewayUnderTest.DefaultToken, text);
        Assert.DoesNotContain("\"c-1\"", text);
    }

    [Fact]
    public async Task Events_NeverHoldThePersonalDataTheyDescribe_EvenWhenAnOfficerSeesItUnmasked()
    {
        await using var crm = await DemoCrmServer.StartAsync(new DemoCrmSettings { RequiredAuthorization = Credential, ContactCount = 20 });
        var credentialFile = Path.Combine(TestPki.Shared.Directory, $"demo-credential-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(credentialFile, Credential);
        await using var gateway = await GatewayUnderTest.For(crm.BaseAddress.ToString())
            .WithAudit(redis.Configuration).With("Gateway:Identity:Revocation:Enabled", "false")
            .With("Gateway:Upstream:Credential:ValueFile", credentialFile)
            .With("Gateway:Masking:RulesPath", Path.Combine(RepositoryRoot.Path, "deploy", "rules", "democrm.yaml"))
            .With("Gateway:Masking:HashKeyFile", TestAudit.KeyFile)
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        var officer = TestIdentityProvider.Shared.Mint(spec =>
        {
            spec.Claims["roles"] = new[] { "crm-compliance" };
            spec.Claims["amr"] = new[] { "pwd", "mfa" };
        });
        var personalData = await PersonalDataAsync(crm);

        using var asOfficer = new HttpRequestMessage(HttpMethod.Get, gateway.Url("/api/contacts?pageSize=20"));
        asOfficer.Headers.Authorization = new("Bearer", officer);
        var unmasked = await (await client.SendAsync(asOfficer)).Content.ReadAsStringAsync();
        Assert.Contains(personalData[0], unmasked);
        await client.GetStringAsync(gateway.Url("/api/contacts?pageSize=20"));
        await client.GetStringAsync(gateway.Url($"/api/contacts/c-00003?email={Uri.EscapeDataString(personalData[0])}"));

        var events = await TestAudit.WaitForAsync(redis.Configuration, gateway.AuditStream!, 3);
        Assert.Equal(3, events.Count);
        // Hashes and pseudonyms are long hex runs, and times in milliseconds long digit runs, in which a
        // 5-digit postcode now and then turns up by chance; a postcode on its own stays visible.
        var text = HexOrDigitRun().Replace(string.Join('\n', events.Select(e => e.JsonText)), "#");
        Assert.All(personalData, value => Assert.DoesNotContain(value, text));
        Assert.DoesNotContain(officer, text);
        Assert.Equal(20, events[0].Document.RootElement.GetProperty("resources").GetArrayLength());
        Assert.Equal("Allowed", events[0].Document.RootElement.GetProperty("action").GetString());
        Assert.True(events[0].Document.RootElement.GetProperty("actor").GetProperty("user").GetProperty("has_mfa").GetBoolean());
    }

    [Fact]
    public async Task RulesReloads_AcceptedAndRefused_AreAudited()
    {
        var rules = Path.Combine(TestPki.Shared.Directory, $"rules-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(rules, TestRules.Yaml);
        await using var gateway = await GatewayUnderTest.For("https://crm.example.com/")
            .WithAudit(redis.Configuration).With("Gateway:Identity:Revocation:Enabled", "false")
            .With("Gateway:Masking:RulesPath", rules)
            .With("Gateway:Masking:ReloadCheckInterval", "00:00:00.100")
            .StartAsync();

        await ReplaceAsync(rules, TestRules.Yaml.Replace("national_id:  redact", "national_id:  remove"));
        await TestAudit.WaitForAsync(redis.Configuration, gateway.AuditStream!, 1);
        await ReplaceAsync(rules, TestRules.Yaml.Replace("national_id:  redact", "national_id:  obliterate"));
        var events = await TestAudit.WaitForAsync(redis.Configuration, gateway.AuditStream!, 2);

        Assert.Equal(2, events.Count);
        var accepted = events[0].Document.RootElement;
        Assert.Equal(6002, accepted.GetProperty("class_uid").GetInt32());
        Assert.Equal("Success", accepted.GetProperty("status").GetString());
        Assert.NotEqual(accepted.GetProperty("unmapped").GetProperty("rules_version").GetString(), accepted.GetProperty("unmapped").GetProperty("previous_rules_version").GetString());
        var refused = events[1].Document.RootElement;
        Assert.Equal("Failure", refused.GetProperty("status").GetString());
        Assert.Equal("rules_invalid", refused.GetProperty("status_detail").GetString());
        Assert.Contains("obliterate", refused.GetProperty("unmapped").GetProperty("errors")[0].GetString());
        Assert.Equal(accepted.GetProperty("unmapped").GetProperty("rules_version").GetString(), refused.GetProperty("unmapped").GetProperty("rules_version").GetString());
    }

    /// <summary>
    /// Replaces the file in one step, as a Kubernetes volume update does: rewritten in place, a poll
    /// could read it half-written, and the gateway would rightly refuse and audit that version too.
    /// </summary>
    private static async Task ReplaceAsync(string path, string content)
    {
        var staged = path + ".staged";
        await File.WriteAllTextAsync(staged, content);
        File.Move(staged, path, overwrite: true);
    }

    [Fact]
    public async Task Stopping_DrainsEveryQueuedEvent_IntoTheStream()
    {
        using var crm = CrmStub.StartHttp();
        var gateway = await GatewayUnderTest.For(crm.Url!).WithAudit(redis.Configuration).With("Gateway:Identity:Revocation:Enabled", "false").StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => client.GetAsync(gateway.Url("/api/contacts"))));

        await gateway.DisposeAsync();

        var events = await TestAudit.ReadAsync(redis.Configuration, gateway.AuditStream!);
        Assert.Equal(200, events.Count);
        Assert.Equal(200, events.Select(e => e.EventId).Distinct().Count());
        Assert.False(Unsent(gateway.AuditSpoolDirectory!));
    }

    [Fact]
    public async Task SpoolDirectoryInUse_StopsStartupWithTheSetting()
    {
        using var crm = CrmStub.StartHttp();
        await using var first = await GatewayUnderTest.For(crm.Url!).WithAudit(redis.Configuration).With("Gateway:Identity:Revocation:Enabled", "false").StartAsync();
        await using var second = GatewayUnderTest.For(crm.Url!).WithAudit(redis.Configuration, first.AuditSpoolDirectory).With("Gateway:Identity:Revocation:Enabled", "false");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync());

        Assert.StartsWith("Gateway:Audit:SpoolDirectory", error.Message);
    }

    private static bool Unsent(string spoolDirectory)
    {
        var checkpoint = File.ReadAllText(Path.Combine(spoolDirectory, "checkpoint")).Split(' ');
        var segment = Path.Combine(spoolDirectory, $"{long.Parse(checkpoint[0]):D12}.spool");
        return new FileInfo(segment).Length != long.Parse(checkpoint[1]);
    }

    private static void AssertDenied(AuditRecord record, int status, string stage, string reason)
    {
        var root = record.Document.RootElement;
        Assert.Equal(status, root.GetProperty("http_response").GetProperty("code").GetInt32());
        Assert.Equal("Denied", root.GetProperty("action").GetString());
        Assert.Equal(reason, root.GetProperty("status_detail").GetString());
        Assert.Equal(stage, root.GetProperty("unmapped").GetProperty("denied_by").GetString());
    }

    /// <summary>Every string of five characters or more in the demo CRM's records, read from the CRM directly.</summary>
    private static async Task<List<string>> PersonalDataAsync(DemoCrmServer crm)
    {
        using var direct = new HttpClient { BaseAddress = crm.BaseAddress };
        direct.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", Credential);
        using var body = JsonDocument.Parse(await direct.GetStringAsync("/api/contacts?pageSize=20"));
        var values = new List<string>();
        foreach (var contact in body.RootElement.GetProperty("data").EnumerateArray())
        {
            Collect(contact, values);
        }
        return [.. values.Where(v => v.Length >= 5).Distinct().OrderByDescending(v => v.Contains('@'))];

        static void Collect(JsonElement element, List<string> into)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject().Where(p => p.Name is not ("id" or "createdAt" or "updatedAt")))
                    {
                        Collect(property.Value, into);
                    }
                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Collect(item, into);
                    }
                    break;
                case JsonValueKind.String:
                    into.Add(element.GetString()!);
                    break;
            }
        }
    }

    [GeneratedRegex("[0-9a-f]{16,}|[0-9]{6,}")]
    private static partial Regex HexOrDigitRun();
}
