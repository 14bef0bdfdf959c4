using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Gateway.Cli.Errors;
using Gateway.ControlPlane;

namespace Gateway.Cli.Commands.Consent;

/// <summary>
/// The options every consent command shares, and an HttpClient for the gateway's admin port:
/// the token comes from a file (never the command line, where other users could read it), and
/// the admin certificate may be checked against a private CA. Every way of not getting an answer
/// (wrong port, TLS, refusal) becomes a <see cref="CliFailure"/> that says which and what to do.
/// </summary>
internal sealed class ConsentApiClient
{
    public const int Failed = ExitCodes.Failed;
    public const int Unreachable = ExitCodes.Failed;
    public const string DefaultAdminUrl = "https://localhost:8444";

    public Option<string> AdminUrl { get; } = new("--admin-url")
    {
        Description = $"The gateway's admin port (default: $GATEWAY_ADMIN_URL, else {DefaultAdminUrl}).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("GATEWAY_ADMIN_URL") ?? DefaultAdminUrl,
    };

    public Option<FileInfo?> TokenFile { get; } = new("--token-file")
    {
        Description = "File holding an access token with the consent-admin role (default: $GATEWAYCTL_TOKEN_FILE).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("GATEWAYCTL_TOKEN_FILE") is { Length: > 0 } path ? new FileInfo(path) : null,
    };

    public Option<FileInfo?> CaFile { get; } = new("--ca-file") { Description = "PEM CA certificate(s) the admin port's certificate must chain to (default: the system's)." };

    public void AddTo(Command command)
    {
        command.Options.Add(AdminUrl);
        command.Options.Add(TokenFile);
        command.Options.Add(CaFile);
    }

    /// <summary>The client; throws a <see cref="CliFailure"/> when the options do not make one.</summary>
    public AdminPort Create(ParseResult parse)
    {
        if (parse.GetValue(TokenFile) is not { } tokenFile)
        {
            throw CliFailure.Usage("no access token", "give one with the consent-admin role: --token-file FILE (or GATEWAYCTL_TOKEN_FILE)");
        }
        if (!tokenFile.Exists)
        {
            throw CliFailure.Usage($"the token file {tokenFile.FullName} does not exist", "pass --token-file with a file holding an access token with the consent-admin role");
        }
        if (!Uri.TryCreate(parse.GetValue(AdminUrl), UriKind.Absolute, out var baseUrl) || baseUrl.Scheme != Uri.UriSchemeHttps)
        {
            throw CliFailure.Usage($"--admin-url '{parse.GetValue(AdminUrl)}' is not an https:// URL", $"pass the gateway's admin port, e.g. {DefaultAdminUrl}");
        }
        var caFile = parse.GetValue(CaFile);
        var handler = new SocketsHttpHandler();
        if (caFile is not null)
        {
            try
            {
                handler.SslOptions.CertificateChainPolicy = CustomTrust.FromPemFile(caFile.FullName);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                handler.Dispose();
                throw CliFailure.Usage($"--ca-file {caFile.FullName} holds no usable CA certificate ({FailureMessages.Sentence(ex.Message)})", "pass the PEM file of the CA that issued the gateway's certificate");
            }
        }
        var port = new AdminPort(handler, baseUrl, caFile);
        port.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(tokenFile.FullName).Trim());
        return port;
    }

    /// <summary>An HttpClient for the admin port that remembers why the port's certificate was refused, to say so.</summary>
    internal sealed class AdminPort : IDisposable
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

        private readonly Uri _baseUrl;
        private readonly FileInfo? _caFile;
        private (SslPolicyErrors Errors, X509ChainStatusFlags Chain, X509Certificate2? Certificate)? _refused;

        public AdminPort(SocketsHttpHandler handler, Uri baseUrl, FileInfo? caFile)
        {
            _baseUrl = baseUrl;
            _caFile = caFile;
            // The runtime's own verdict (with --ca-file's trust when given), only remembered.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (errors != SslPolicyErrors.None)
                {
                    var flags = chain?.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, status) => all | status.Status) ?? X509ChainStatusFlags.NoError;
                    _refused = (errors, flags, certificate is null ? null : new X509Certificate2(certificate));
                }
                return errors == SslPolicyErrors.None;
            };
            Client = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = Timeout };
        }

        public HttpClient Client { get; }

        /// <summary>Sends; any answer but a success becomes a <see cref="CliFailure"/> with the gateway's reason.</summary>
        public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            HttpResponseMessage response;
            try
            {
                response = await Client.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                throw Unreached(ex);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliFailure($"the gateway's admin port at {_baseUrl} did not answer within {Timeout.TotalSeconds:0} s", "check that the gateway is running and --admin-url is its admin port", Unreachable, ex);
            }
            if (response.IsSuccessStatusCode)
            {
                return response;
            }
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode == HttpStatusCode.NotFound && Problem(body).Code is null)
                {
                    throw await NotFoundAsync(cancellationToken);
                }
                throw Refused(response, body);
            }
        }

        public void Dispose() => Client.Dispose();

        private CliFailure Unreached(HttpRequestException exception)
        {
            if (_refused is { } refused)
            {
                return CertificateRefused(refused.Errors, refused.Chain, refused.Certificate, exception);
            }
            var socket = Inner<SocketException>(exception);
            return (exception.HttpRequestError, socket?.SocketErrorCode) switch
            {
                (HttpRequestError.NameResolutionError, _) or (_, SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData) => new CliFailure(
                    $"the host of --admin-url {_baseUrl} cannot be resolved", "check the host name in --admin-url", Unreachable, exception),
                (_, SocketError.ConnectionRefused) => new CliFailure(
                    $"nothing listens at {_baseUrl} (connection refused)", $"is the gateway running, and is --admin-url its admin port (default {DefaultAdminUrl}, Gateway:Transport:Admin:Port)?", Unreachable, exception),
                (HttpRequestError.SecureConnectionError, _) => new CliFailure(
                    $"no TLS connection to {_baseUrl} ({FailureMessages.Sentence(Innermost(exception).Message)})", "is --admin-url the gateway's admin port, which speaks HTTPS (TLS 1.2 or 1.3)?", Unreachable, exception),
                _ => new CliFailure(
                    $"the gateway's admin port at {_baseUrl} cannot be reached ({FailureMessages.Sentence(Innermost(exception).Message)})", "check that the gateway is running and --admin-url is its admin port", Unreachable, exception),
            };
        }

        private CliFailure CertificateRefused(SslPolicyErrors errors, X509ChainStatusFlags chain, X509Certificate2? certificate, Exception exception)
        {
            var trust = _caFile is null
                ? "pass --ca-file with the gateway's CA certificate (the demo prints its path: .demo/tls/ca.crt)"
                : $"--ca-file {_caFile.FullName} is not the CA that issued it: pass the gateway's CA certificate";
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            {
                return new CliFailure($"{_baseUrl} sent no TLS certificate", "is --admin-url the gateway's admin port?", Unreachable, exception);
            }
            if (chain.HasFlag(X509ChainStatusFlags.NotTimeValid))
            {
                var when = certificate is null ? "" : $", it is valid from {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}";
                return new CliFailure($"the admin port's certificate at {_baseUrl} is not valid now{when}", "renew the gateway's certificate (Gateway:Transport:Certificate), or check this machine's clock", Unreachable, exception);
            }
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
            {
                var issuer = certificate is null ? "" : $", issued by '{certificate.Issuer}'";
                return new CliFailure($"the admin port's certificate at {_baseUrl} is not trusted ({chain}{issuer})", trust, Unreachable, exception);
            }
            var names = certificate is null ? "" : $" (it names {Names(certificate)})";
            return new CliFailure($"the admin port's certificate is not for '{_baseUrl.Host}'{names}", "use a host name the certificate names in --admin-url", Unreachable, exception);
        }

        private static CliFailure Refused(HttpResponseMessage response, string body)
        {
            var status = (int)response.StatusCode;
            var (code, detail) = Problem(body);
            var reason = code is null ? $"{status}" : $"{status} {code}";
            var what = detail is null ? $"the gateway refused ({reason})" : $"the gateway refused ({reason}): {FailureMessages.Sentence(detail)}";
            var todo = response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => "the token file must hold a valid, unexpired access token of an issuer the gateway trusts",
                HttpStatusCode.Forbidden => "use a token with the gateway's consent-admin role (Gateway:Consent:AdminRole)",
                HttpStatusCode.ServiceUnavailable => "check the gateway's /readyz (Redis, audit), then run the command again",
                _ => "correct the request as the gateway says",
            };
            return new CliFailure(what, todo, Failed);
        }

        /// <summary>
        /// A bare 404: the proxy port (no route for the consent API), or an admin port without
        /// the consent API. Only the admin port answers /healthz, which tells them apart.
        /// </summary>
        private async Task<CliFailure> NotFoundAsync(CancellationToken cancellationToken)
        {
            bool adminPort;
            try
            {
                using var health = await Client.GetAsync("healthz", cancellationToken);
                adminPort = health.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                adminPort = false;
            }
            return adminPort
                ? new CliFailure($"the gateway at {_baseUrl} has no consent API", "it needs Redis: set Gateway:Redis:Configuration on the gateway and restart it", Failed)
                : new CliFailure(
                    $"{_baseUrl} answered 404 to the consent API: it is not the gateway's admin port (the proxy port?)",
                    $"pass --admin-url with the admin port (default {DefaultAdminUrl}, Gateway:Transport:Admin:Port)",
                    Failed);
        }

        private static (string? Code, string? Detail) Problem(string body)
        {
            try
            {
                using var problem = JsonDocument.Parse(body);
                var root = problem.RootElement;
                return root.ValueKind != JsonValueKind.Object
                    ? (null, null)
                    : (Text(root, "code"), Text(root, "detail"));
            }
            catch (JsonException)
            {
                return (null, null);
            }
        }

        private static string? Text(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private static string Names(X509Certificate2 certificate)
        {
            var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
                .SelectMany(e => e.EnumerateDnsNames().Concat(e.EnumerateIPAddresses().Select(ip => ip.ToString())))
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .ToList();
            return names.Count > 0 ? string.Join(", ", names) : certificate.Subject;
        }

        private static T? Inner<T>(Exception exception)
            where T : Exception
        {
            for (Exception? cause = exception; cause is not null; cause = cause.InnerException)
            {
                if (cause is T found)
                {
                    return found;
                }
            }
            return null;
        }

        private static Exception Innermost(Exception exception)
        {
            var cause = exception;
            while (cause.InnerException is not null)
            {
                cause = cause.InnerException;
            }
            return cause;
        }
    }
}
