using System.Net.Http.Headers;
using System.Net.Http.Json;
using Gateway.IntegrationTests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Gateway.IntegrationTests.Consent;

/// <summary>
/// A CRM of four contacts (c-4 opted out of email in the CRM itself), rules that read that flag
/// for marketing, and purposes of every basis. Each test gets its own consent key prefix.
/// </summary>
internal static class ConsentSetup
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
            consent: &consent
              "$.hs_email_optout": { purposes: [marketing, newsletter], means: opt_out }
          contact:
            routes: ["/api/contacts/{id}"]
            records: ["$"]
            subject: "$.id"
            fields: *fields
            consent: *consent
        roles:
          support-agent:
            contact:      allow
            national_id:  redact
            unclassified: allow
        default: redact
        """;

    public static readonly string[] Ids = ["c-1", "c-2", "c-3", "c-4"];

    private static readonly Lazy<string> RulesFile = new(() =>
    {
        var path = Path.Combine(TestPki.Shared.Directory, "consent-rules.yaml");
        File.WriteAllText(path, Rules);
        return path;
    });

    public static string Contact(string id) =>
        $$"""{"id":"{{id}}","name":"Person {{id}}","email":"{{id}}@people.example","ssn":"900-00-{{id[2..]}}","hs_email_optout":{{(id == "c-4" ? "true" : "false")}}}""";

    public static WireMockServer StartCrm()
    {
        var crm = WireMockServer.Start();
        var list = "{\"data\":[" + string.Join(",", Ids.Select(Contact)) + "],\"paging\":{\"page\":1,\"total\":4}}";
        crm.Given(Request.Create().WithPath("/api/contacts").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(list));
        foreach (var id in Ids)
        {
            crm.Given(Request.Create().WithPath($"/api/contacts/{id}").UsingGet())
                .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(Contact(id)));
        }
        return crm;
    }

    /// <summary>A gateway with purposes of every basis; the consent store and audit on <paramref name="redis"/>.</summary>
    public static GatewayUnderTest ConsentGateway(string crmUrl, string redis, string keyPrefix) =>
        GatewayUnderTest.For(crmUrl)
            .WithAudit(redis)
            .With("Gateway:Identity:Revocation:Enabled", "false")
            .With("Gateway:Identity:Issuers:0:RoleMap:crm-consent", "consent-admin")
            .With("Gateway:Masking:RulesPath", RulesFile.Value)
            .With("Gateway:Consent:KeyPrefix", keyPrefix)
            // These tests assert decisions, not the lookup's time limit: on a loaded two-core CI
            // machine a lookup early in the run once took longer than the 2 s default, and the gate
            // rightly failed closed (every subject of a legitimate-interest list removed).
            .With("Gateway:Consent:LookupTimeout", "00:00:10")
            .With("Gateway:Purposes:Catalog:marketing:Basis", "consent")
            .With("Gateway:Purposes:Catalog:newsletter:Basis", "consent")
            .With("Gateway:Purposes:Catalog:newsletter:WithoutBasis", "mask")
            .With("Gateway:Purposes:Catalog:support:Basis", "contract")
            .With("Gateway:Purposes:Catalog:profiling:Basis", "legitimate_interest")
            .With("Gateway:Purposes:Clients:app-1:Default", "support")
            .With("Gateway:Purposes:Clients:portal:MayDeclare", "true")
            .With("Gateway:Purposes:Clients:portal:Allowed:0", "marketing")
            .With("Gateway:Purposes:Clients:portal:Allowed:1", "support");

    /// <summary>A support agent's token issued for <paramref name="purpose"/> (none: the client's default applies).</summary>
    public static string Token(string? purpose, string client = "app-1") => TestIdentityProvider.Shared.Mint(spec =>
    {
        spec.Claims["client_id"] = client;
        if (purpose is not null)
        {
            spec.Claims["purpose"] = purpose;
        }
    });

    public static readonly string AdminToken = TestIdentityProvider.Shared.Mint(spec =>
    {
        spec.Claims["sub"] = "dpo-1";
        spec.Claims["client_id"] = "consent-console";
        spec.Claims["roles"] = new[] { "crm-consent" };
        spec.Expires = TimeSpan.FromHours(1);
    });

    public static async Task<HttpResponseMessage> GetAsync(HttpClient client, Uri url, string token, string? declaredPurpose = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (declaredPurpose is not null)
        {
            request.Headers.Add("X-Purpose", declaredPurpose);
        }
        return await client.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> AdminAsync(HttpClient client, HttpMethod method, Uri url, object? body = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? AdminToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return await client.SendAsync(request);
    }

    public static async Task GrantAsync(HttpClient client, GatewayUnderTest gateway, string subject, string purpose)
    {
        var response = await AdminAsync(client, HttpMethod.Put, gateway.AdminUrl($"/consent/{subject}/{purpose}"), new { source = "test" });
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    public static async Task WithdrawAsync(HttpClient client, GatewayUnderTest gateway, string subject, string purpose)
    {
        var response = await AdminAsync(client, HttpMethod.Delete, gateway.AdminUrl($"/consent/{subject}/{purpose}"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    public static async Task<List<string>> ListedIdsAsync(HttpResponseMessage response)
    {
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return [.. body["data"]!.AsArray().Select(r => (string)r!["id"]!)];
    }
}
