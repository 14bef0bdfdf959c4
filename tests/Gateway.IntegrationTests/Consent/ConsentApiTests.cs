using System.Net;
using System.Text.Json.Nodes;
using Gateway.IntegrationTests.Infrastructure;
using static Gateway.IntegrationTests.Consent.ConsentSetup;

namespace Gateway.IntegrationTests.Consent;

/// <summary>The consent register's API on the admin port: consent-admin only, subjects stored only as keyed hashes, every change audited.</summary>
public sealed class ConsentApiTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Only_a_valid_token_with_the_consent_admin_role_may_use_it()
    {
        using var crm = StartCrm();
        await using var gateway = await ConsentGateway(crm.Url!, redis.Configuration, $"consent:{Guid.NewGuid():N}").StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        var url = gateway.AdminUrl("/consent/c-1/marketing");

        using var anonymous = new HttpRequestMessage(HttpMethod.Put, url);
        anonymous.Headers.Add("X-No-Token", "1");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(anonymous)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await AdminAsync(client, HttpMethod.Put, url, token: Token("marketing"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AdminAsync(client, HttpMethod.Put, url, token: AdminToken[..^4] + "AAAA")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await AdminAsync(client, HttpMethod.Put, gateway.Url("/consent/c-1/marketing"))).StatusCode);
    }

    [Fact]
    public async Task Grant_show_and_withdraw_round_trip_with_the_subject_only_ever_stored_and_audited_as_a_keyed_hash()
    {
        using var crm = StartCrm();
        var prefix = $"consent:{Guid.NewGuid():N}";
        await using var gateway = await ConsentGateway(crm.Url!, redis.Configuration, prefix).StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        var expires = DateTimeOffset.UtcNow.AddDays(30);

        var granted = await AdminAsync(client, HttpMethod.Put, gateway.AdminUrl("/consent/jane-doe-42/marketing"), new { source = "web-form", expires });
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        await WithdrawAsync(client, gateway, "jane-doe-42", "newsletter");

        var shown = JsonNode.Parse(await (await AdminAsync(client, HttpMethod.Get, gateway.AdminUrl("/consent/jane-doe-42"))).Content.ReadAsStringAsync())!;
        var hash = TestAudit.Keys.Pseudonym("jane-doe-42");
        Assert.Equal(hash, (string)shown["subject_hash"]!);
        Assert.Equal("granted", (string)shown["purposes"]!["marketing"]!["status"]!);
        Assert.Equal("web-form", (string)shown["purposes"]!["marketing"]!["source"]!);
        Assert.Equal(expires.ToUnixTimeSeconds(), DateTimeOffset.Parse((string)shown["purposes"]!["marketing"]!["expires"]!).ToUnixTimeSeconds());
        Assert.Equal("withdrawn", (string)shown["purposes"]!["newsletter"]!["status"]!);
        Assert.Equal("api:consent-console", (string)shown["purposes"]!["newsletter"]!["source"]!);

        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var keys = connection.GetServer(redis.Configuration).Keys(pattern: $"{prefix}:*").Select(k => k.ToString()).ToList();
        Assert.Equal([$"{prefix}:{hash}"], keys);

        var events = await TestAudit.WaitForAsync(redis.Configuration, gateway.AuditStream!, 2);
        Assert.Equal(["granted", "withdrawn"], events.Select(e => e.Document.RootElement.GetProperty("unmapped").GetProperty("items")[0].GetProperty("operation").GetString()));
        Assert.All(events, e => Assert.Equal(hash, e.Document.RootElement.GetProperty("unmapped").GetProperty("items")[0].GetProperty("value_hash").GetString()));
        Assert.DoesNotContain("jane-doe-42", string.Join('\n', events.Select(e => e.JsonText)));
    }

    [Theory]
    [InlineData("/consent/c-1/unknown", "purpose_unknown")]
    [InlineData("/consent/c-1/marketing?expired", "expiry_past")]
    public async Task Invalid_changes_are_refused_with_the_reason(string path, string reason)
    {
        using var crm = StartCrm();
        await using var gateway = await ConsentGateway(crm.Url!, redis.Configuration, $"consent:{Guid.NewGuid():N}").StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        var body = path.EndsWith("?expired", StringComparison.Ordinal) ? new { source = "x", expires = (DateTimeOffset?)DateTimeOffset.UtcNow.AddDays(-1) } : new { source = "x", expires = (DateTimeOffset?)null };
        var response = await AdminAsync(client, HttpMethod.Put, gateway.AdminUrl(path.Replace("?expired", "")), body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_import_with_one_bad_row_writes_nothing_and_names_every_bad_row()
    {
        using var crm = StartCrm();
        var prefix = $"consent:{Guid.NewGuid():N}";
        await using var gateway = await ConsentGateway(crm.Url!, redis.Configuration, prefix).StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        object[] rows =
        [
            new { subject = "c-1", purpose = "marketing", status = "granted", source = "register-2019" },
            new { subject = "c-2", purpose = "nonsense", status = "granted", source = "register-2019" },
            new { subject = "c-3", purpose = "marketing", status = "maybe", source = "register-2019" },
        ];

        var refused = await AdminAsync(client, HttpMethod.Post, gateway.AdminUrl("/consent/import"), rows);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["errors"]!.AsArray().Select(e => (string)e!).ToList();
        Assert.Equal(2, errors.Count);
        Assert.StartsWith("row 2:", errors[0]);
        Assert.StartsWith("row 3:", errors[1]);
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        Assert.Empty(connection.GetServer(redis.Configuration).Keys(pattern: $"{prefix}:*"));

        var imported = await AdminAsync(client, HttpMethod.Post, gateway.AdminUrl("/consent/import"), rows[..1]);
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        Assert.Equal(["c-1"], await ListedIdsAsync(await GetAsync(client, gateway.Url("/api/contacts"), Token("marketing"))));
    }
}
