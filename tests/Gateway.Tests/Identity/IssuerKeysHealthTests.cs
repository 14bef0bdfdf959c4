using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using Gateway.Identity;
using Gateway.Identity.Keys;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Identity;

public sealed class IssuerKeysHealthTests : IDisposable
{
    private readonly string _jwks = Path.GetTempFileName();

    public IssuerKeysHealthTests()
    {
        var key = System.Security.Cryptography.RSA.Create(2048).ExportParameters(false);
        File.WriteAllText(_jwks, JsonSerializer.Serialize(new
        {
            keys = new[] { new { kty = "RSA", kid = "k", use = "sig", n = Base64UrlEncoder.Encode(key.Modulus!), e = Base64UrlEncoder.Encode(key.Exponent!) } },
        }));
    }

    public void Dispose() => File.Delete(_jwks);

    public static TheoryData<Exception, string> Failures => new()
    {
        { Wrapped(new HttpRequestException(HttpRequestError.ConnectionError, "refused", new SocketException((int)SocketError.ConnectionRefused))), "connection refused" },
        { Wrapped(new HttpRequestException(HttpRequestError.NameResolutionError, "no such host")), "DNS failure: the host name does not resolve" },
        { Wrapped(new HttpRequestException(HttpRequestError.SecureConnectionError, "tls", new AuthenticationException("The remote certificate is invalid: UntrustedRoot."))), "TLS failure: The remote certificate is invalid: UntrustedRoot (TrustedCaPath names the CAs its certificate may chain to)" },
        { Wrapped(WithStatus(new IOException("IDX20807: ... HttpResponseMessage.Content: 'secret body'"), HttpStatusCode.NotFound)), "HTTP status 404" },
        { Wrapped(new TaskCanceledException("timeout", new TimeoutException())), "no answer within 10 s" },
        { Wrapped(new JsonException("bad")), "the document is not valid discovery or JWKS JSON" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Cause_NamesTheKindOfFailure_NotTheLibrarysMessage(Exception failure, string cause)
    {
        Assert.Equal(cause, DiscoveryKeySource.Cause(failure));
    }

    [Fact]
    public async Task NoIssuerWithKeys_IsUnhealthy_SomeWithout_IsDegraded_NamingThem()
    {
        using var discoveryOnly = Registry(Discovery("corp"));
        using var both = Registry(Discovery("corp"), JwksFile("partner"));
        using var fileOnly = Registry(JwksFile("partner"));

        var unhealthy = await new IssuerKeysHealthCheck(discoveryOnly).CheckHealthAsync(new HealthCheckContext());
        var degraded = await new IssuerKeysHealthCheck(both).CheckHealthAsync(new HealthCheckContext());
        var healthy = await new IssuerKeysHealthCheck(fileOnly).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal((HealthStatus.Unhealthy, "issuer corp: no signing keys (not fetched yet)"), (unhealthy.Status, unhealthy.Description));
        Assert.Equal((HealthStatus.Degraded, "issuer corp: no signing keys (not fetched yet)"), (degraded.Status, degraded.Description));
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
    }

    private static Exception Wrapped(Exception cause) => new InvalidOperationException("IDX20803: Unable to obtain configuration", new IOException("IDX20804", cause));

    private static Exception WithStatus(Exception exception, HttpStatusCode status)
    {
        exception.Data[HttpDocumentRetriever.StatusCode] = status;
        return exception;
    }

    private static IssuerRegistry Registry(params IssuerOptions[] issuers) =>
        new(Options.Create(new IdentityOptions { Issuers = [.. issuers] }), TimeProvider.System, NullLoggerFactory.Instance);

    private static IssuerOptions Discovery(string name) => new() { Name = name, Issuer = $"https://{name}.example", Authority = $"https://{name}.example", Audiences = ["gw"] };

    private IssuerOptions JwksFile(string name) => new() { Name = name, Issuer = $"https://{name}.example", JwksPath = _jwks, Audiences = ["gw"] };
}
