using System.Security.Cryptography.X509Certificates;

namespace Gateway.Benchmarks.Load;

/// <summary>
/// One request before any load: a benchmark of a gateway that refuses, or forgot to mask, would
/// measure the wrong thing. A masking variant must answer 200 with a body other than the
/// upstream's; every other variant with the upstream's body exactly.
/// </summary>
internal static class AnswerCheck
{
    public static async Task<string?> FindProblemAsync(LoadVariant variant, LoadTarget target, LoadEnvironment environment)
    {
        using var expected = X509CertificateLoader.LoadCertificateFromFile(environment.Workspace.ServerCertificatePath);
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == expected.Thumbprint,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var path = LoadBodies.Single.PathAndQuery;
        var raw = await client.GetStringAsync($"http://127.0.0.1:{environment.UpstreamPort}{path}");
        using var request = new HttpRequestMessage(HttpMethod.Get, target.BaseUrl + path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", environment.Token);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            return $"answered {(int)response.StatusCode}: {body}";
        }
        return (variant.Masks, body == raw) switch
        {
            (true, true) => "sent the body unmasked",
            (false, false) => "changed the body although it does not mask",
            _ => null,
        };
    }
}
