using System.CommandLine;
using System.Net.Http.Headers;
using Gateway.ControlPlane;

namespace Gateway.Cli.Commands.Consent;

/// <summary>
/// The options every consent command shares, and an HttpClient for the gateway's admin port:
/// the token comes from a file (never the command line, where other users could read it), and
/// the admin certificate may be checked against a private CA.
/// </summary>
internal sealed class ConsentApiClient
{
    public const int Failed = 1;
    public const int Usage = 2;
    public const int Unreachable = 3;

    public Option<string> AdminUrl { get; } = new("--admin-url")
    {
        Description = "The gateway's admin port.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("GATEWAY_ADMIN_URL") ?? "https://localhost:8444",
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

    /// <returns>The client, or null after writing why not.</returns>
    public HttpClient? Create(ParseResult parse, TextWriter error)
    {
        if (parse.GetValue(TokenFile) is not { } tokenFile)
        {
            error.WriteLine("Give an access token with the consent-admin role: --token-file FILE (or GATEWAYCTL_TOKEN_FILE).");
            return null;
        }
        if (!tokenFile.Exists)
        {
            error.WriteLine($"The token file {tokenFile.FullName} does not exist.");
            return null;
        }
        if (!Uri.TryCreate(parse.GetValue(AdminUrl), UriKind.Absolute, out var baseUrl) || baseUrl.Scheme != Uri.UriSchemeHttps)
        {
            error.WriteLine("--admin-url must be an https:// URL.");
            return null;
        }
        var handler = new SocketsHttpHandler();
        if (parse.GetValue(CaFile) is { } caFile)
        {
            try
            {
                handler.SslOptions.CertificateChainPolicy = CustomTrust.FromPemFile(caFile.FullName);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
            {
                error.WriteLine($"--ca-file {caFile.FullName}: {ex.Message}");
                handler.Dispose();
                return null;
            }
        }
        var client = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(tokenFile.FullName).Trim());
        return client;
    }

    /// <summary>Sends, and on failure writes the gateway's reason (its JSON problem) and returns the exit code.</summary>
    public static async Task<(HttpResponseMessage? Response, int ExitCode)> SendAsync(HttpClient client, HttpRequestMessage request, TextWriter error, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            await error.WriteLineAsync($"The gateway's admin port at {client.BaseAddress} cannot be reached: {ex.Message}");
            return (null, Unreachable);
        }
        if (response.IsSuccessStatusCode)
        {
            return (response, 0);
        }
        await error.WriteLineAsync($"The gateway refused ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(cancellationToken)}");
        return (null, Failed);
    }
}
