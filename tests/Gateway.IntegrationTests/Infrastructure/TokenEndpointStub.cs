using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// A WireMock.Net OAuth 2.0 token endpoint: issues <see cref="Token"/>(1), <see cref="Token"/>(2), ... or answers
/// what a test sets, optionally holding its answer until the test releases it; records the form
/// and headers of every token request.
/// </summary>
internal sealed class TokenEndpointStub : IDisposable
{
    public const string Path = "/oauth2/token";

    private readonly ConcurrentQueue<TokenRequestRecord> _requests = new();
    private readonly string _tokenPrefix = $"at-{Guid.NewGuid():N}";
    private int _issued;
    private volatile TaskCompletionSource? _hold;

    private TokenEndpointStub(WireMockServer server) => Server = server;

    public WireMockServer Server { get; }

    public string Url => $"{Server.Url}{Path}";

    public IReadOnlyList<TokenRequestRecord> Requests => [.. _requests];

    /// <summary>The <paramref name="number"/>th access token this endpoint issues (from 1), unique to this stub so that a log search for it means something.</summary>
    public string Token(int number) => $"{_tokenPrefix}-{number.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The Authorization value the gateway sends with <see cref="Token"/>(<paramref name="number"/>).</summary>
    public string Bearer(int number) => $"Bearer {Token(number)}";

    public static TokenEndpointStub Start() => new(WireMockServer.Start());

    public static TokenEndpointStub StartHttps(IssuedCertificate certificate) => new(WireMockServer.Start(new WireMockServerSettings
    {
        Port = FreePort.Next(),
        UseSSL = true,
        CertificateSettings = new WireMockCertificateSettings { X509CertificateFilePath = certificate.PfxPath, X509CertificatePassword = TestPki.PfxPassword },
    }));

    /// <summary>Answers every token request with the next token, valid for <paramref name="expiresIn"/> seconds, plus <paramref name="extraMembers"/> (JSON members, comma-led).</summary>
    public TokenEndpointStub Issue(int expiresIn = 600, string extraMembers = "") =>
        Respond(200, () => $$"""{"access_token":"{{Token(Interlocked.Increment(ref _issued))}}","token_type":"Bearer","expires_in":{{expiresIn.ToString(CultureInfo.InvariantCulture)}}{{extraMembers}}}""");

    /// <summary>Answers every token request with <paramref name="status"/> and <paramref name="body"/>.</summary>
    public TokenEndpointStub Answer(int status, string body, string contentType = "application/json") => Respond(status, () => body, contentType);

    /// <summary>Token requests from now on wait for <see cref="Release"/>.</summary>
    public void Hold() => _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => Interlocked.Exchange(ref _hold, null)?.TrySetResult();

    public void Dispose()
    {
        Release();
        Server.Stop();
    }

    private TokenEndpointStub Respond(int status, Func<string> body, string contentType = "application/json")
    {
        Server.ResetMappings();
        Server.Given(Request.Create().WithPath(Path).UsingPost())
            .RespondWith(Response.Create()
                .WithStatusCode(status)
                .WithHeader("Content-Type", contentType)
                .WithBody(async request =>
                {
                    _requests.Enqueue(new TokenRequestRecord(
                        QueryHelpers.ParseQuery(request.Body ?? string.Empty).ToDictionary(p => p.Key, p => p.Value.ToString()),
                        request.Headers?.FirstOrDefault(h => string.Equals(h.Key, "Authorization", StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault()));
                    if (_hold is { } hold)
                    {
                        await hold.Task;
                    }
                    return body();
                }));
        return this;
    }
}

/// <summary>One token request as the endpoint received it: its form fields and its Authorization header.</summary>
internal sealed record TokenRequestRecord(IReadOnlyDictionary<string, string> Form, string? Authorization);
