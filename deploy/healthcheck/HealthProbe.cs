using System.Collections;
using System.Globalization;
using System.Net;

namespace Gateway.HealthProbe;

/// <summary>
/// Asks the gateway in the same container whether it is alive: GET /healthz on its admin port over
/// TLS, on the loopback address only. Exit code 0 when it answers 200, 1 otherwise (Docker's
/// HEALTHCHECK meaning). The server certificate is not checked: it is issued for the names clients
/// use, not for 127.0.0.1, the probe sends nothing secret, and it can reach no other host (there is
/// no argument naming one). What it proves is that the admin listener accepts a TLS handshake and
/// the host answers requests.
/// </summary>
public static class HealthProbe
{
    public const string AdminPortVariable = "Gateway__Transport__Admin__Port";
    public const int DefaultAdminPort = 8444;

    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(4);

    /// <param name="environment">The process environment: the admin port is read from <see cref="AdminPortVariable"/>, as the gateway reads it.</param>
    public static async Task<int> RunAsync(IDictionary environment, TextWriter output, CancellationToken cancellationToken)
    {
        var configured = environment[AdminPortVariable] as string;
        var port = DefaultAdminPort;
        if (configured is not null && (!int.TryParse(configured, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            await output.WriteLineAsync($"unhealthy: {AdminPortVariable}='{configured}' is not a port");
            return 1;
        }
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        };
        using var client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        var url = new Uri($"https://127.0.0.1:{port}/healthz");
        try
        {
            using var response = await client.GetAsync(url, cancellationToken);
            await output.WriteLineAsync($"{(response.StatusCode == HttpStatusCode.OK ? "healthy" : "unhealthy")}: {url} answered {(int)response.StatusCode}");
            return response.StatusCode == HttpStatusCode.OK ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            await output.WriteLineAsync($"unhealthy: {url} did not answer ({(ex is OperationCanceledException ? "timed out" : ex.Message)})");
            return 1;
        }
    }
}
