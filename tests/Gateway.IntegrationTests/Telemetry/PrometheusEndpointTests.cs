using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.RepresentationModel;
using static Gateway.IntegrationTests.Consent.ConsentSetup;

namespace Gateway.IntegrationTests.Telemetry;

/// <summary>
/// A real gateway (TLS, redis-server, WireMock CRM) scraped at its admin port's /metrics after it
/// served, masked, removed records for lack of consent, refused, audited and reloaded its rules;
/// the shipped Grafana dashboard and Prometheus alert rules may name only series that scrape has.
/// </summary>
public sealed partial class PrometheusEndpointTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    /// <summary>An interval no other timer of the gateway has, so that the test finds the rules file's watcher by it.</summary>
    private static readonly TimeSpan RulesCheckInterval = TimeSpan.FromSeconds(7);
    private readonly string _rules = Path.Combine(TestPki.Shared.Directory, $"metrics-rules-{Guid.NewGuid():N}.yaml");
    private readonly FakeClock _clock = new();

    public void Dispose() => File.Delete(_rules);

    [Fact]
    public async Task Metrics_OnTheAdminPortOnly_HaveTheGatewaysSeries_AndTheDashboardAndAlertsNameOnlyThose()
    {
        await File.WriteAllTextAsync(_rules, Rules);
        using var crm = StartCrm();
        await using var gateway = await ConsentGateway(crm.Url!, redis.Configuration, $"consent:{Guid.NewGuid():N}")
            .With("Gateway:Masking:RulesPath", _rules)
            .With("Gateway:Masking:ReloadCheckInterval", RulesCheckInterval.ToString())
            .WithServices(services => services.AddSingleton<TimeProvider>(_clock))
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();
        await GrantAsync(client, gateway, "c-1", "marketing");
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, gateway.Url("/api/contacts"), Token("marketing"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync(gateway.Url("/api/contacts%2Fc-1"))).StatusCode);
        // The watcher starts after the host: change the file once it is polling, then move time to its next check.
        await _clock.PollingEveryAsync(RulesCheckInterval);
        await File.WriteAllTextAsync(_rules, Rules.Replace("contact:      allow", "contact:      redact"));
        _clock.Advance(RulesCheckInterval);

        var scrape = "";
        await Eventually.UntilAsync(async () =>
        {
            scrape = await client.GetStringAsync(gateway.AdminUrl("/metrics"));
            return scrape.Contains("gateway_rules_reloads_total{", StringComparison.Ordinal)
                && scrape.Contains("gateway_audit_events_written_total", StringComparison.Ordinal);
        }, "the rules reload and the written audit events never showed in /metrics");

        var series = SampleNames(scrape);
        Assert.Matches("""gateway_requests_total\{[^}]*outcome="served",reason="",stage=""\}""", scrape);
        Assert.Matches("""gateway_requests_total\{[^}]*outcome="refused",reason="path_encoded_slash",stage="request_guard"\}""", scrape);
        Assert.Matches("""gateway_masking_values_total\{[^}]*action="redact",[^}]*class="national_id"[^}]*\} [1-9]""", scrape);
        Assert.Matches("""gateway_consent_decisions_total\{[^}]*decision="removed",[^}]*reason="no_consent"[^}]*\} 2""", scrape);
        Assert.Matches("""gateway_rules_reloads_total\{[^}]*outcome="accepted"[^}]*\} 1""", scrape);
        Assert.Contains("gateway_audit_stream_lag_age_seconds", series);
        Assert.Contains("gateway_audit_stream_lag", series);
        Assert.Contains("gateway_audit_spool_size_bytes", series);
        Assert.Contains("http_server_request_duration_seconds_bucket", series);
        Assert.DoesNotContain("/api/contacts", scrape);

        var onProxyPort = await client.GetAsync(gateway.Url("/metrics"));
        Assert.NotEqual(HttpStatusCode.OK, onProxyPort.StatusCode);
        Assert.DoesNotContain("# TYPE", await onProxyPort.Content.ReadAsStringAsync());

        var named = DashboardQueries().Concat(AlertQueries()).SelectMany(MetricNames).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(named);
        var unknown = named.Where(name => !series.Contains(name)).Order(StringComparer.Ordinal).ToList();
        Assert.True(unknown.Count == 0, $"named in deploy/ but not scraped: {string.Join(", ", unknown)}; scraped: {string.Join(", ", series.Order(StringComparer.Ordinal))}");
    }

    [Fact]
    public async Task Metrics_Disabled_AdminPortHasNoMetrics()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).With("Gateway:Telemetry:PrometheusEnabled", "false").StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(gateway.AdminUrl("/metrics"))).StatusCode);
    }

    /// <summary>The name of every sample line in Prometheus text format.</summary>
    private static HashSet<string> SampleNames(string scrape) =>
        scrape.Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => line[..line.IndexOfAny(['{', ' '])])
            .ToHashSet(StringComparer.Ordinal);

    private static IEnumerable<string> DashboardQueries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "grafana", "compliance-gateway.json")));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
        Assert.NotEmpty(panels);
        var queries = panels.SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();
        queries.AddRange(dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray()
            .Where(v => v.GetProperty("type").GetString() == "query").Select(v => v.GetProperty("query").GetString()!));
        return queries;
    }

    private static IEnumerable<string> AlertQueries()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(RepositoryRoot.Path, "deploy", "prometheus", "alerts.yaml")))
        {
            yaml.Load(reader);
        }
        var groups = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["groups"];
        var rules = groups.Cast<YamlMappingNode>().SelectMany(g => (YamlSequenceNode)g["rules"]).Cast<YamlMappingNode>().ToList();
        Assert.All(rules, rule =>
        {
            Assert.False(string.IsNullOrWhiteSpace(((YamlScalarNode)rule["alert"]).Value));
            Assert.Contains(rule.Children.Keys, k => ((YamlScalarNode)k).Value == "annotations");
        });
        return rules.Select(rule => ((YamlScalarNode)rule["expr"]).Value!);
    }

    /// <summary>Series names in a PromQL expression: the gateway's, ASP.NET Core's, HttpClient's and the runtime's.</summary>
    private static IEnumerable<string> MetricNames(string promql) =>
        MetricName().Matches(promql).Select(m => m.Value);

    [GeneratedRegex("""\b(?:gateway|http|kestrel|dotnet|aspnetcore)_[a-z0-9_]+""")]
    private static partial Regex MetricName();
}
