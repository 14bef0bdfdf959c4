using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Gateway.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Gateway.IntegrationTests.Quota;

/// <summary>
/// A CRM of ten contacts (each with an SSN, of high sensitivity), rules by which a support agent
/// sees the SSN redacted and a reader in clear, and gateways with budgets of their own key prefix.
/// </summary>
internal static class QuotaSetup
{
    public const string Rules = """
        version: 1
        classes:
          contact:     { sensitivity: medium }
          national_id: { sensitivity: high }
        entities:
          contact-list:
            routes: ["/api/contacts"]
            records: ["$.data[*]"]
            subject: "$.id"
            totals: ["$.paging.total"]
            fields: &fields
              "$.email": contact
              "$.ssn":   national_id
          contact:
            routes: ["/api/contacts/{id}"]
            records: ["$"]
            subject: "$.id"
            fields: *fields
        roles:
          support-agent:
            contact:      { action: partial, keep_last: 4 }
            national_id:  redact
            unclassified: allow
          reader:
            "*": allow
        default: redact
        """;

    public const int Contacts = 10;

    private static readonly Lazy<string> RulesFile = new(() =>
    {
        var path = Path.Combine(TestPki.Shared.Directory, "quota-rules.yaml");
        File.WriteAllText(path, Rules);
        return path;
    });

    public static string Contact(int id) => $$"""{"id":"c-{{id}}","email":"p{{id}}@people.example","ssn":"900-00-{{id:0000}}"}""";

    public static string ContactList => "{\"data\":[" + string.Join(",", Enumerable.Range(1, Contacts).Select(Contact)) + "],\"paging\":{\"page\":1,\"total\":" + Contacts + "}}";

    public static WireMockServer StartCrm()
    {
        var crm = WireMockServer.Start();
        crm.Given(Request.Create().WithPath("/api/contacts").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(ContactList));
        crm.Given(Request.Create().WithPath("/api/contacts/c-1").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(Contact(1)));
        return crm;
    }

    /// <summary>A gateway with quotas under <paramref name="keyPrefix"/> on <paramref name="redis"/>, auditing there; no revocation list (tests that stop Redis).</summary>
    public static GatewayUnderTest QuotaGateway(string crmUrl, string redis, string keyPrefix) =>
        GatewayUnderTest.For(crmUrl)
            .WithAudit(redis)
            .With("Gateway:Identity:Revocation:Enabled", "false")
            .With("Gateway:Masking:RulesPath", RulesFile.Value)
            .With("Gateway:Quota:KeyPrefix", keyPrefix);

    public static string Token(string subject, string role = "crm-support", string client = "app-1") =>
        TestIdentityProvider.Shared.Mint(spec =>
        {
            spec.Claims["sub"] = subject;
            spec.Claims["roles"] = new[] { role };
            spec.Claims["client_id"] = client;
        });

    public static async Task<HttpResponseMessage> GetAsync(HttpClient client, GatewayUnderTest gateway, string token, string path = "/api/contacts")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url(path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    /// <summary>The ids of the contacts a list response holds.</summary>
    public static async Task<List<string>> IdsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return [.. body["data"]!.AsArray().Select(r => (string)r!["id"]!)];
    }

    /// <summary>The problem's code and the Retry-After seconds of a refusal.</summary>
    public static async Task<(HttpStatusCode Status, string Code, long? RetryAfter)> RefusalAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var retry = response.Headers.RetryAfter?.Delta is { } delta ? (long)delta.TotalSeconds : (long?)null;
        return (response.StatusCode, (string)body["code"]!, retry);
    }

    /// <summary>What Redis holds in a principal's counter of one kind (<c>requests</c>, <c>records</c>, <c>clear</c>).</summary>
    public static async Task<long> CounterAsync(IDatabase redis, string keyPrefix, string principal, string kind) =>
        (long?)await redis.StringGetAsync($"{Gateway.ControlPlane.QuotaOverrideStore.PrincipalKey(keyPrefix, principal)}:{kind}") ?? 0;

    /// <summary>Polls until a principal's counter holds <paramref name="expected"/> (counts reach Redis within the flush interval); returns the last value.</summary>
    public static Task<long> WaitForCounterAsync(IDatabase redis, string keyPrefix, string principal, string kind, long expected) =>
        Eventually.ValueAsync(() => CounterAsync(redis, keyPrefix, principal, kind), value => value == expected);
}
