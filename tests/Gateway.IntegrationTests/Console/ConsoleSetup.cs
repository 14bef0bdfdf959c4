using System.Net.Http.Headers;
using System.Net.Http.Json;
using Gateway.Detector;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.PrivacyConsole;

/// <summary>A gateway whose identity provider maps groups to the console's three roles, and tokens for each.</summary>
internal static class ConsoleSetup
{
    public const string RulesEditorGroup = "sec-rules";
    public const string PrivacyOfficerGroup = "dpo";
    public const string SocAnalystGroup = "soc";

    public static GatewayUnderTest ConsoleGateway(string crm) => GatewayUnderTest.For(crm)
        .With("Gateway:Identity:Issuers:0:RoleMap:" + RulesEditorGroup, "rules-editor")
        .With("Gateway:Identity:Issuers:0:RoleMap:" + PrivacyOfficerGroup, "privacy-officer")
        .With("Gateway:Identity:Issuers:0:RoleMap:" + SocAnalystGroup, "soc-analyst");

    /// <summary>A valid token whose roles claim holds <paramref name="groups"/>.</summary>
    public static string Token(params string[] groups) => TestIdentityProvider.Shared.Mint(spec =>
    {
        spec.Expires = TimeSpan.FromHours(2);
        spec.Claims["roles"] = groups;
    });

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, Uri url, object body, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> GetAsync(HttpClient client, Uri url, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.SendAsync(request);
    }

    /// <summary>A shipped rules file, as the playground's samples carry it.</summary>
    public static string ShippedRules(string name) => File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "rules", name));

    public static string ShippedSample(string name) => File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "rules", "samples", name));

    /// <summary>An alert as the detector raises it, with one signal named <paramref name="signal"/>.</summary>
    public static Alert NewAlert(string id, string principal, int score, DateTimeOffset raised, ContainmentPlan plan, string signal) => new()
    {
        Id = id,
        Principal = principal,
        HasSubject = true,
        Role = "support-agent",
        Score = score,
        Signals = [new Signal(signal, score, $"{signal} went past its threshold", 500, 100)],
        Evidence = ["event-1"],
        EvidenceCount = 1,
        FirstSeen = raised.AddMinutes(-5).ToUnixTimeMilliseconds(),
        LastSeen = raised.ToUnixTimeMilliseconds(),
        Created = raised,
        Plan = plan,
    };
}
