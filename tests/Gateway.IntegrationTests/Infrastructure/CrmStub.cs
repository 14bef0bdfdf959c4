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

    /// <summary>The value of a header as the CRM received it on its only request, or null.</summary>
    public static string? ReceivedHeader(this WireMockServer crm, string name)
    {
        var headers = crm.LogEntries.Single().RequestMessage.Headers;
        return headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();
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
