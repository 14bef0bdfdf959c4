using System.Net;
using System.Net.Http.Headers;
using Gateway.Detector;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using StackExchange.Redis;
using static Gateway.IntegrationTests.PrivacyConsole.ConsoleSetup;
using static Microsoft.Playwright.Assertions;

namespace Gateway.IntegrationTests.PrivacyConsole;

/// <summary>
/// The console in a real headless Chromium against the real gateway: sign in with a token, edit a
/// rule and see the preview change, see a validation error at its line, export the data map,
/// filter audit events. With CONSOLE_SCREENSHOTS=&lt;folder&gt; set, each view is also saved there
/// (docs/images: see docs/console.md); otherwise nothing is written.
/// </summary>
public sealed class ConsoleBrowserTests(ConsoleBrowser chromium, RedisServerFixture redis) : IClassFixture<ConsoleBrowser>, IClassFixture<RedisServerFixture>
{
    private static readonly string? ScreenshotFolder = Environment.GetEnvironmentVariable("CONSOLE_SCREENSHOTS");

    [Fact]
    public async Task A_rules_editor_signs_in_edits_a_rule_sees_the_preview_change_and_an_error_at_its_line()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await ConsoleGateway(crm.Url!).StartAsync();
        await using var context = await chromium.NewContextAsync();
        var page = await SignInAsync(context, gateway, Token(RulesEditorGroup));

        await Expect(page.Locator("#view-playground")).ToBeVisibleAsync();
        await Expect(page.Locator(".tab[data-view='datamap']")).ToBeHiddenAsync();
        var email = page.Locator("#output [data-pointer='/data/0/email']");
        await Expect(email).ToContainTextAsync("email · email");
        await Expect(page.Locator("#rules-state")).ToHaveClassAsync("badge ok");
        await ScreenshotAsync(page, "console-playground.png");

        var rules = page.Locator("#rules");
        var yaml = await rules.InputValueAsync();
        var supportEmail = "    email:        email";
        var supportContact = "    contact:      { action: partial, keep_last: 4 }";
        Assert.Contains(supportEmail, yaml, StringComparison.Ordinal);
        Assert.Contains(supportContact, yaml, StringComparison.Ordinal);
        await rules.FillAsync(yaml.Replace(supportEmail, "    email:        redact", StringComparison.Ordinal));
        await Expect(email).ToContainTextAsync("email · redact");
        await Expect(email).ToContainTextAsync("[REDACTED]");

        var broken = yaml.Replace(supportContact, "    contact:      { action: partiall, keep_last: 4 }", StringComparison.Ordinal);
        var line = broken.Split('\n').ToList().FindIndex(l => l.Contains("partiall", StringComparison.Ordinal)) + 1;
        await rules.FillAsync(broken);
        await Expect(page.Locator($"#rules-editor .gutter [data-line='{line}']")).ToHaveClassAsync("error");
        await Expect(page.Locator("#rule-errors li").First).ToContainTextAsync($"Line {line}, column");
        await Expect(page.Locator("#rule-errors li").First).ToContainTextAsync("'partiall' is not an action");
        await Expect(page.Locator("#rules-state")).ToHaveTextAsync("1 error");

        await page.Locator("#samples button[data-sample='salesforce']").ClickAsync();
        await Expect(page.Locator("#path")).ToHaveValueAsync("/services/data/v59.0/query");
        await Expect(page.Locator("#output [data-pointer='/records/0/Email']")).ToContainTextAsync("contact · partial");
        await page.Locator("#role").SelectOptionAsync("*");
        await Expect(page.Locator("#output .role-head")).ToHaveCountAsync(3);
    }

    [Fact]
    public async Task The_security_team_exports_the_data_map_reads_the_record_of_processing_and_filters_audit_events()
    {
        using var crm = CrmStub.StartHttp();
        var alertsStream = $"alerts:{Guid.NewGuid():N}";
        var keyPrefix = $"detector:{Guid.NewGuid():N}";
        await using var gateway = await ConsoleGateway(crm.Url!)
            .WithAudit(redis.Configuration)
            .With("Gateway:Detector:AlertsStream", alertsStream)
            .With("Gateway:Detector:KeyPrefix", keyPrefix)
            .With("Gateway:Identity:Revocation:Enabled", "false")
            .With("Gateway:Purposes:Catalog:support:Basis", "contract")
            .With("Gateway:Purposes:Clients:app-1:Default", "support")
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(gateway.Url("/api/contacts"))).StatusCode);
        using (var denied = new HttpRequestMessage(HttpMethod.Get, gateway.Url("/api/contacts")))
        {
            denied.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(denied)).StatusCode);
        }
        await TestAudit.WaitForAsync(redis.Configuration, gateway.AuditStream!, 2);
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration))
        {
            var alert = NewAlert("alert-1", "user-1", 88, DateTimeOffset.UtcNow, new ContainmentPlan("suspend", 0, TimeSpan.FromHours(1), "dry_run"), "records_rate");
            Assert.NotNull(await new AlertStore(connection, alertsStream, keyPrefix).AddAsync(alert, DetectionFinding.ToJson(alert, gateway.AuditStream!, "detector-test")));
        }
        await using var context = await chromium.NewContextAsync();
        var page = await SignInAsync(context, gateway, Token(RulesEditorGroup, PrivacyOfficerGroup, SocAnalystGroup));

        await page.Locator(".tab[data-view='datamap']").ClickAsync();
        var cell = page.Locator("#datamap-table td[data-role='support-agent'][data-class='contact']");
        await Expect(cell).ToContainTextAsync("partial");
        await Expect(cell).ToContainTextAsync("writes: ");
        await ScreenshotAsync(page, "console-datamap.png");
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#datamap-csv").ClickAsync());
        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
        var csv = await File.ReadAllLinesAsync((await download.PathAsync())!);
        Assert.Equal("purpose,basis,role,class,entities,action,receives,action_with_mfa,receives_with_mfa,condition,writes", csv[0]);
        Assert.Contains(csv, line => line.StartsWith("support,contract,support-agent,contact,contacts,partial,partial,partial,partial,,", StringComparison.Ordinal));

        await page.Locator(".tab[data-view='processing']").ClickAsync();
        await page.Locator("#processing-load").ClickAsync();
        var row = page.Locator("#processing-table tbody tr").First;
        await Expect(row).ToContainTextAsync("support-agent");
        await Expect(row).ToContainTextAsync("app-1");
        await ScreenshotAsync(page, "console-processing.png");

        await page.Locator(".tab[data-view='audit']").ClickAsync();
        await Expect(page.Locator("#chain")).ToContainTextAsync("Chain intact");
        var alertRow = page.Locator("#alerts-table tbody tr");
        await Expect(alertRow).ToHaveCountAsync(1);
        await Expect(alertRow).ToContainTextAsync("records_rate went past its threshold");
        await Expect(alertRow).ToContainTextAsync("dry_run");
        await Expect(page.Locator("#audit-table tbody tr")).ToHaveCountAsync(2);
        await page.Locator("#audit-outcome").SelectOptionAsync("denied");
        await page.Locator("#audit-load").ClickAsync();
        await Expect(page.Locator("#audit-table tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#audit-table tbody tr").First).ToContainTextAsync("denied");
        await page.Locator("#audit-outcome").SelectOptionAsync("");
        await page.Locator("#audit-principal").FillAsync("user-1");
        await page.Locator("#audit-load").ClickAsync();
        await Expect(page.Locator("#audit-table tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#audit-table tbody tr").First).ToContainTextAsync("GET /api/contacts → 200");
        await page.Locator("#audit-principal").FillAsync("");
        await page.Locator("#audit-load").ClickAsync();
        await ScreenshotAsync(page, "console-audit.png");
    }

    private static async Task<IPage> SignInAsync(IBrowserContext context, GatewayUnderTest gateway, string token)
    {
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add($"{message.Text} ({message.Location})");
            }
        };
        await page.GotoAsync(gateway.AdminUrl("/console/").ToString());
        await page.Locator("#token").FillAsync(token);
        await page.Locator("#sign-in").ClickAsync();
        await Expect(page.Locator("#who")).ToBeVisibleAsync();
        Assert.Empty(problems);
        return page;
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        if (ScreenshotFolder is null)
        {
            return;
        }
        Directory.CreateDirectory(ScreenshotFolder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name) });
    }
}
