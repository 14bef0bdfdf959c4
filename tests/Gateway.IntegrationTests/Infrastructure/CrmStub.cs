using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>A WireMock.Net CRM answering every /api/ request with a contact list, recording what reached it.</summary>
internal static class CrmStub
{
    public const string ContactsJson = """{"data":[{"id":"c-1","email":"ada@example.com"}],"paging":{"page":1,"total":1}}""";

    public static WireMockServer StartHttp() => Configure(WireMockServer.Start());

    /// <summary>An HTTPS CRM presenting <paramref name="certificate"/>.</summary>
    public static WireMockServer StartHttps(IssuedCertificate certificate) => Configure(WireMockServer.Start(new WireMockServerSettings
    {
        Port = FreePort.Next(),
        UseSSL = true,
        CertificateSettings = new WireMockCertificateSettings
        {
            X509CertificateFilePath = certificate.PfxPath,
            X509CertificatePassword = TestPki.PfxPassword,
        },
    }));

    public const string RefusalBody = """{"errorCode":"INVALID_SESSION_ID","message":"Session expired or invalid"}""";

    /// <summary>
    /// A CRM that answers only requests whose Authorization is one of <paramref name="accepted"/>,
    /// and every other one with 401, a WWW-Authenticate challenge and <see cref="RefusalBody"/>.
    /// </summary>
    public static WireMockServer StartHttpAccepting(params string[] accepted) => Accepting(WireMockServer.Start(), accepted);

    /// <summary>As <see cref="StartHttpAccepting"/>, over HTTPS with <paramref name="certificate"/>.</summary>
    public static WireMockServer StartHttpsAccepting(IssuedCertificate certificate, params string[] accepted) => Accepting(WireMockServer.Start(new WireMockServerSettings
    {
        Port = FreePort.Next(),
        UseSSL = true,
        CertificateSettings = new WireMockCertificateSettings { X509CertificateFilePath = certificate.PfxPath, X509CertificatePassword = TestPki.PfxPassword },
    }), accepted);

    /// <summary>The Authorization header of every request the CRM received, in order.</summary>
    public static IReadOnlyList<string?> ReceivedAuthorizations(this WireMockServer crm) =>
        [.. crm.LogEntries.OrderBy(e => e.RequestMessage.DateTime).Select(e => e.RequestMessage.Headers?.FirstOrDefault(h => string.Equals(h.Key, "Authorization", StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault())];

    /// <summary>The value of a header as the CRM received it on its only request, or null.</summary>
    public static string? ReceivedHeader(this WireMockServer crm, string name)
    {
        var headers = crm.LogEntries.Single().RequestMessage.Headers;
        return headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();
    }

    private static WireMockServer Accepting(WireMockServer crm, string[] accepted)
    {
        foreach (var authorization in accepted)
        {
            crm.Given(Request.Create().WithPath(new WildcardMatcher("/api/*")).WithHeader("Authorization", new ExactMatcher(authorization)))
                .AtPriority(1)
                .RespondWith(Response.Create()
                    .WithStatusCode(200)
                    .WithHeader("Content-Type", "application/json")
                    .WithBody(ContactsJson));
        }
        crm.Given(Request.Create().WithPath(new WildcardMatcher("/api/*")))
            .AtPriority(100)
            .RespondWith(Response.Create()
                .WithStatusCode(401)
                .WithHeader("Content-Type", "application/json")
                .WithHeader("WWW-Authenticate", "Bearer realm=\"crm\", error=\"invalid_token\"")
                .WithBody(RefusalBody));
        return crm;
    }

    private static WireMockServer Configure(WireMockServer crm)
    {
        crm.Given(Request.Create().WithPath(new WildcardMatcher("/api/*")))
            .RespondWith(Response.Create()
                .WithStatusCode(200)
                .WithHeader("Content-Type", "application/json")
                .WithBody(ContactsJson));
        return crm;
    }
}
