using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.WritePolicy;

/// <summary>Every write, allowed or refused, becomes an audit event with its operation's activity and the paths and classes written, never a value.</summary>
public sealed class WriteAuditTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task AllowedAndRefusedWrites_AreAuditedWithActivityPathsAndClasses_NeverValues()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).WithAudit(redis.Configuration).With("Gateway:Identity:Revocation:Enabled", "false").StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(gateway.Url("/api/contacts"),
            new StringContent("""{"id":"c-9","email":"ada@example.com","phones":[{"n":"555-0100"}]}""", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PatchAsync(gateway.Url("/api/contacts/c-9"),
            new StringContent("""{"email":"ada@example.com","ssn":"123-45-6789"}""", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(gateway.Url("/api/contacts/c-9"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsync(gateway.Url("/api/contacts/c-9"),
            new ByteArrayContent(Encoding.UTF8.GetBytes("""{"ssn":"123-45-6789"}""")) { Headers = { { "Content-Type", "text/plain" } } })).StatusCode);

        var events = await TestAudit.WaitForAsync(redis.Configuration, gateway.AuditStream!, 4);
        var (create, update, delete, unjudged) = (Root(events[0]), Root(events[1]), Root(events[2]), Root(events[3]));

        Assert.Equal(1, create.GetProperty("activity_id").GetInt32());
        var created = create.GetProperty("unmapped").GetProperty("write");
        Assert.Equal("create", created.GetProperty("operation").GetString());
        Assert.Equal("contacts", created.GetProperty("entity").GetString());
        Assert.Equal(["$.email:contact", "$.id:unclassified", "$.phones:unclassified", "$.phones[*].n:unclassified"], Fields(created).Order(StringComparer.Ordinal));
        Assert.Contains(create.GetProperty("resources").EnumerateArray(), r => r.GetProperty("uid").GetString() == TestAudit.Keys.Pseudonym("c-9"));

        Assert.Equal(3, update.GetProperty("activity_id").GetInt32());
        Assert.Equal("Denied", update.GetProperty("action").GetString());
        Assert.Equal("field_not_writable", update.GetProperty("status_detail").GetString());
        Assert.Equal("write_policy", update.GetProperty("unmapped").GetProperty("denied_by").GetString());
        var refusal = update.GetProperty("unmapped").GetProperty("write").GetProperty("refusal");
        Assert.Equal("$.ssn", refusal.GetProperty("path").GetString());
        Assert.Equal("national_id", refusal.GetProperty("class").GetString());

        Assert.Equal(4, delete.GetProperty("activity_id").GetInt32());
        Assert.Equal("delete", delete.GetProperty("unmapped").GetProperty("write").GetProperty("operation").GetString());

        Assert.Equal(3, unjudged.GetProperty("activity_id").GetInt32());
        var unjudgedRefusal = unjudged.GetProperty("unmapped").GetProperty("write").GetProperty("refusal");
        Assert.Equal("write_body_not_judgeable", unjudgedRefusal.GetProperty("code").GetString());
        Assert.Equal("content_type", unjudgedRefusal.GetProperty("reason").GetString());

        var text = string.Join('\n', events.Select(e => e.JsonText));
        Assert.DoesNotContain("123-45-6789", text);
        Assert.DoesNotContain("ada@example.com", text);
        Assert.DoesNotContain("555-0100", text);
        Assert.DoesNotContain("\"c-9\"", text);
        Assert.Single(crm.LogEntries, e => e.RequestMessage.Method == "POST");
        Assert.DoesNotContain(crm.LogEntries, e => e.RequestMessage.Method is "PATCH" or "PUT");
    }

    [Fact]
    public async Task RulesWithoutPermissions_ReadAsBefore_AndRefuseEveryWrite()
    {
        var rules = Path.Combine(TestPki.Shared.Directory, $"rules-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(rules, TestRules.Yaml[..TestRules.Yaml.IndexOf("permissions:", StringComparison.Ordinal)] + "default: redact\n");
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).With("Gateway:Masking:RulesPath", rules).StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        Assert.Equal(TestRules.MaskedContactsJson, await client.GetStringAsync(gateway.Url("/api/contacts")));
        var response = await client.PostAsync(gateway.Url("/api/contacts"), new StringContent("""{"email":"a"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("\"code\":\"write_not_allowed\"", await response.Content.ReadAsStringAsync());
        Assert.Single(crm.LogEntries);
    }

    [Fact]
    public async Task UncoveredRoutesAllowed_ForwardsTheWrite_AndAuditsIt()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).WithAudit(redis.Configuration).With("Gateway:Identity:Revocation:Enabled", "false")
            .With("Gateway:WritePolicy:UncoveredRoutes", "allow")
            .With("Gateway:Masking:UnknownRoutes", "pass")
            .With("ReverseProxy:Routes:other:ClusterId", "crm")
            .With("ReverseProxy:Routes:other:Match:Path", "/other/{**rest}")
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        await client.PostAsync(gateway.Url("/other/things"), new StringContent("""{"a":1}""", Encoding.UTF8, "application/json"));

        Assert.Single(crm.LogEntries);
        var write = Root((await TestAudit.WaitForAsync(redis.Configuration, gateway.AuditStream!, 1))[0]).GetProperty("unmapped").GetProperty("write");
        Assert.Equal("create", write.GetProperty("operation").GetString());
        Assert.False(write.TryGetProperty("entity", out _));
    }

    private static JsonElement Root(Gateway.Audit.AuditRecord record) => record.Document.RootElement;

    private static IEnumerable<string> Fields(JsonElement write) =>
        write.GetProperty("fields").EnumerateArray().Select(f => $"{f.GetProperty("path").GetString()}:{f.GetProperty("class").GetString()}");
}
