using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Gateway.IntegrationTests.PrivacyConsole.ConsoleSetup;

namespace Gateway.IntegrationTests.PrivacyConsole;

/// <summary>The privacy console's API on the admin port: tokens and roles, security headers, the playground's validate and preview.</summary>
public sealed class ConsoleApiTests
{
    private const string ExpectedCsp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    [Fact]
    public async Task Each_view_needs_a_valid_token_carrying_its_own_role()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await ConsoleGateway(crm.Url!).StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        var validate = gateway.AdminUrl("/console/api/rules/validate");
        var body = new { rules = ShippedRules("democrm.yaml") };

        using var anonymous = new HttpRequestMessage(HttpMethod.Post, validate) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        anonymous.Headers.Add("X-No-Token", "1");
        var missing = await client.SendAsync(anonymous);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(client, validate, body, Token(RulesEditorGroup)[..^4] + "AAAA")).StatusCode);

        var support = await PostAsync(client, validate, body, Token("crm-support"));
        Assert.Equal(HttpStatusCode.Forbidden, support.StatusCode);
        Assert.Contains("console_role_required", await support.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(client, gateway.AdminUrl("/console/api/datamap"), Token(RulesEditorGroup))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(client, gateway.AdminUrl("/console/api/samples"), Token(PrivacyOfficerGroup))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(client, validate, body, Token(SocAnalystGroup))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, validate, body, Token(RulesEditorGroup))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, gateway.AdminUrl("/console/api/samples"), Token(RulesEditorGroup))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, gateway.AdminUrl("/console/api/datamap"), Token(PrivacyOfficerGroup))).StatusCode);
    }

    [Fact]
    public async Task The_console_is_served_on_the_admin_port_only_with_its_security_headers()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await ConsoleGateway(crm.Url!).StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        var page = await client.GetAsync(gateway.AdminUrl("/console/"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("style=", html, StringComparison.OrdinalIgnoreCase);
        var bare = await client.GetAsync(gateway.AdminUrl("/console"));
        Assert.Equal(HttpStatusCode.MovedPermanently, bare.StatusCode);
        Assert.EndsWith("/console/", bare.Headers.Location!.ToString(), StringComparison.Ordinal);

        var api = await PostAsync(client, gateway.AdminUrl("/console/api/rules/validate"), new { rules = "version: 1" }, Token(RulesEditorGroup));
        foreach (var answer in new[] { page, api, await client.GetAsync(gateway.AdminUrl("/console/console.js")) })
        {
            Assert.Equal(ExpectedCsp, answer.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Equal("nosniff", answer.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", answer.Headers.GetValues("Referrer-Policy").Single());
            Assert.Equal("no-store", answer.Headers.CacheControl!.ToString());
        }

        foreach (var path in new[] { "/console/", "/console/console.js", "/console/api/samples" })
        {
            var onProxy = await GetAsync(client, gateway.Url(path), Token(RulesEditorGroup));
            Assert.NotEqual(HttpStatusCode.OK, onProxy.StatusCode);
            Assert.False(onProxy.Headers.Contains("Content-Security-Policy"));
        }
    }

    [Fact]
    public async Task Validate_reports_every_error_with_its_line_and_column_as_gatewayctl_does()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await ConsoleGateway(crm.Url!).StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        var url = gateway.AdminUrl("/console/api/rules/validate");
        var broken = ShippedRules("democrm.yaml").Replace("action: partial", "action: partiall", StringComparison.Ordinal);
        var brokenLine = broken.Split('\n').ToList().FindIndex(l => l.Contains("partiall", StringComparison.Ordinal)) + 1;

        var invalid = JsonNode.Parse(await (await PostAsync(client, url, new { rules = broken }, Token(RulesEditorGroup))).Content.ReadAsStringAsync())!;
        Assert.False((bool)invalid["valid"]!);
        var error = invalid["errors"]!.AsArray().First(e => ((string)e!["message"]!).Contains("partiall", StringComparison.Ordinal))!;
        Assert.Equal(brokenLine, (int)error["line"]!);
        Assert.True((int)error["column"]! > 0);

        var yaml = JsonNode.Parse(await (await PostAsync(client, url, new { rules = "version: 1\nclasses:\n  name: [unclosed\n" }, Token(RulesEditorGroup))).Content.ReadAsStringAsync())!;
        var syntax = yaml["errors"]!.AsArray().Single()!;
        Assert.Equal("(file)", (string)syntax["path"]!);
        Assert.True((int)syntax["line"]! >= 3);
        Assert.True((int)syntax["column"]! > 0);

        var valid = JsonNode.Parse(await (await PostAsync(client, url, new { rules = ShippedRules("democrm.yaml") }, Token(RulesEditorGroup))).Content.ReadAsStringAsync())!;
        Assert.True((bool)valid["valid"]!);
        Assert.Contains("support-agent", valid["roles"]!.AsArray().Select(r => (string)r!));
    }

    [Fact]
    public async Task Preview_masks_the_sample_with_the_proxy_engine_for_each_role_and_names_every_change()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await ConsoleGateway(crm.Url!).StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        var url = gateway.AdminUrl("/console/api/rules/preview");
        var sample = ShippedSample("democrm.json");

        var one = JsonNode.Parse(await (await PostAsync(client, url, new { rules = ShippedRules("democrm.yaml"), body = sample, path = "/api/contacts", roles = new[] { "support-agent" } }, Token(RulesEditorGroup))).Content.ReadAsStringAsync())!;
        var view = one["views"]!.AsArray().Single()!;
        Assert.Equal("contact-list", (string)one["entity"]!);
        var email = (string)view["masked"]!["data"]![0]!["email"]!;
        Assert.NotEqual((string)JsonNode.Parse(sample)!["data"]![0]!["email"]!, email);
        var change = view["changes"]!.AsArray().Single(c => (string)c!["pointer"]! == "/data/0/email")!;
        Assert.Equal("email", (string)change["class"]!);
        Assert.False((bool)change["removed"]!);
        Assert.Equal(2, (int)view["records"]!);

        var all = JsonNode.Parse(await (await PostAsync(client, url, new { rules = ShippedRules("democrm.yaml"), body = sample, path = "/api/contacts" }, Token(RulesEditorGroup))).Content.ReadAsStringAsync())!;
        var roles = all["views"]!.AsArray().Select(v => (string)v!["role"]!).ToList();
        Assert.Contains("support-agent", roles);
        Assert.Contains("marketing-analyst", roles);
        Assert.Equal("(any other role)", roles[^1]);
    }

    [Theory]
    [InlineData("rules", "version: 2", 422, "rules_invalid")]
    [InlineData("path", "/nowhere", 422, "entity_not_found")]
    [InlineData("body", "{\"data\": [", 422, "body_refused")]
    [InlineData("path", "no-slash", 400, "path_invalid")]
    public async Task Preview_refuses_what_it_cannot_preview_with_a_code(string field, string value, int status, string code)
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await ConsoleGateway(crm.Url!).StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        var request = new Dictionary<string, object> { ["rules"] = ShippedRules("democrm.yaml"), ["body"] = ShippedSample("democrm.json"), ["path"] = "/api/contacts" };
        request[field] = value;

        var answer = await PostAsync(client, gateway.AdminUrl("/console/api/rules/preview"), request, Token(RulesEditorGroup));

        Assert.Equal(status, (int)answer.StatusCode);
        Assert.Equal(code, (string)JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["code"]!);
    }

    [Fact]
    public async Task Bodies_must_be_json_and_within_the_size_limit()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await ConsoleGateway(crm.Url!).With("Gateway:Console:MaxRequestBytes", "8192").StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        var url = gateway.AdminUrl("/console/api/rules/validate");

        using var text = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("{\"rules\":\"x\"}", Encoding.UTF8, "text/plain") };
        text.Headers.Authorization = new("Bearer", Token(RulesEditorGroup));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await client.SendAsync(text)).StatusCode);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostAsync(client, url, new { rules = new string('#', 9000) }, Token(RulesEditorGroup))).StatusCode);
    }

    [Fact]
    public async Task What_a_user_pastes_is_never_logged()
    {
        const string Secret = "pasted-secret-7f3a9c";
        using var crm = CrmStub.StartHttp();
        var log = new CapturedLog();
        await using var gateway = await ConsoleGateway(crm.Url!).With("Logging:LogLevel:Default", "Trace").With("Logging:LogLevel:Microsoft.AspNetCore", "Trace").StartAsync();
        gateway.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        using var client = GatewayUnderTest.CreateClient();
        var body = ShippedSample("democrm.json").Replace("Margaret", Secret, StringComparison.Ordinal);
        var rules = ShippedRules("democrm.yaml") + $"\n# {Secret}\n";

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, gateway.AdminUrl("/console/api/rules/preview"), new { rules, body, path = "/api/contacts" }, Token(RulesEditorGroup))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, gateway.AdminUrl("/console/api/rules/validate"), new { rules = rules + "bad: [" }, Token(RulesEditorGroup))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostAsync(client, gateway.AdminUrl("/console/api/rules/preview"), new { rules, body = body + Secret, path = "/api/contacts" }, Token(RulesEditorGroup))).StatusCode);

        Assert.NotNull(await log.WaitForAsync(entry => entry.Contains("/console/api/rules/preview", StringComparison.Ordinal)));
        Assert.DoesNotContain(log.Entries, entry => entry.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_sample_previews_with_its_own_rules()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await ConsoleGateway(crm.Url!).StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        var samples = JsonNode.Parse(await (await GetAsync(client, gateway.AdminUrl("/console/api/samples"), Token(RulesEditorGroup))).Content.ReadAsStringAsync())!.AsArray();

        Assert.Equal(["democrm", "salesforce", "hubspot", "dynamics"], samples.Select(s => (string)s!["id"]!));
        foreach (var sample in samples)
        {
            var preview = await PostAsync(client, gateway.AdminUrl("/console/api/rules/preview"), new { rules = (string)sample!["rules"]!, body = (string)sample["body"]!, path = (string)sample["path"]! }, Token(RulesEditorGroup));
            Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
            var views = JsonNode.Parse(await preview.Content.ReadAsStringAsync())!["views"]!.AsArray();
            Assert.All(views, view => Assert.NotEmpty(view!["changes"]!.AsArray()));
        }
    }

    [Fact]
    public async Task The_data_map_shows_what_each_role_receives_of_each_class_for_each_purpose_as_json_and_csv()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await ConsoleGateway(crm.Url!)
            .With("Gateway:Purposes:Catalog:support:Basis", "contract")
            .With("Gateway:Purposes:Catalog:fraud:Basis", "legal_obligation")
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        var map = JsonNode.Parse(await (await GetAsync(client, gateway.AdminUrl("/console/api/datamap"), Token(PrivacyOfficerGroup))).Content.ReadAsStringAsync())!;

        Assert.Equal(["fraud", "support"], map["purposes"]!.AsArray().Select(p => (string)p!));
        var entries = map["entries"]!.AsArray();
        var cell = entries.Single(e => (string)e!["purpose"]! == "support" && (string)e["role"]! == "support-agent" && (string)e["data_class"]! == "contact")!;
        Assert.Equal("partial", (string)cell["receives"]!);
        Assert.Contains("contacts", cell["entities"]!.AsArray().Select(e => (string)e!));
        var other = entries.Single(e => (string)e!["purpose"]! == "support" && (string)e["role"]! == "(any other role)" && (string)e["data_class"]! == "contact")!;
        Assert.Equal("redacted", (string)other["receives"]!);

        var csv = await GetAsync(client, gateway.AdminUrl("/console/api/datamap?format=csv"), Token(PrivacyOfficerGroup));
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("attachment", csv.Content.Headers.ContentDisposition!.ToString(), StringComparison.Ordinal);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("purpose,basis,role,class,entities,action,receives,action_with_mfa,receives_with_mfa,condition,writes", lines[0]);
        Assert.Equal(entries.Count + 1, lines.Length);
        Assert.Contains(lines, line => line.StartsWith("support,contract,support-agent,contact,contacts,partial,partial,partial,partial,,", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(client, gateway.AdminUrl("/console/api/datamap?format=xml"), Token(PrivacyOfficerGroup))).StatusCode);
    }

    [Fact]
    public async Task The_audit_views_check_their_roles_and_inputs_and_say_when_there_is_no_stream()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await ConsoleGateway(crm.Url!).StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        var period = "from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z";

        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(client, gateway.AdminUrl($"/console/api/processing?{period}"), Token(SocAnalystGroup))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(client, gateway.AdminUrl("/console/api/audit"), Token(PrivacyOfficerGroup))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(client, gateway.AdminUrl("/console/api/audit/verify"), Token(RulesEditorGroup))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(client, gateway.AdminUrl("/console/api/alerts"), Token(PrivacyOfficerGroup))).StatusCode);

        var badPeriod = await GetAsync(client, gateway.AdminUrl("/console/api/processing?from=yesterday&to=today"), Token(PrivacyOfficerGroup));
        Assert.Equal(HttpStatusCode.BadRequest, badPeriod.StatusCode);
        Assert.Contains("period_invalid", await badPeriod.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var badOutcome = await GetAsync(client, gateway.AdminUrl("/console/api/audit?outcome=maybe"), Token(SocAnalystGroup));
        Assert.Contains("filter_invalid", await badOutcome.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var noStream = await GetAsync(client, gateway.AdminUrl($"/console/api/processing?{period}"), Token(PrivacyOfficerGroup));
        Assert.Equal(HttpStatusCode.Conflict, noStream.StatusCode);
        Assert.Contains("audit_disabled", await noStream.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var noAlerts = await GetAsync(client, gateway.AdminUrl("/console/api/alerts"), Token(SocAnalystGroup));
        Assert.Equal(HttpStatusCode.Conflict, noAlerts.StatusCode);
        Assert.Contains("alerts_disabled", await noAlerts.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var me = JsonNode.Parse(await (await GetAsync(client, gateway.AdminUrl("/console/api/me"), Token(PrivacyOfficerGroup, SocAnalystGroup))).Content.ReadAsStringAsync())!;
        Assert.Equal(["datamap", "processing", "audit"], me["views"]!.AsArray().Select(v => (string)v!));
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(client, gateway.AdminUrl("/console/api/me"), Token("crm-support"))).StatusCode);
    }
}
