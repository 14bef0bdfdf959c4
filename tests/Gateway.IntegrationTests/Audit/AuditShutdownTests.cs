using System.Net;
using System.Net.Sockets;
using System.Text;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Audit;

/// <summary>
/// On shutdown the server lets the requests under way finish; their events must still be numbered
/// and written, although the audit writer stops handing out numbers when it stops. It stops after
/// the server: the host stops services in reverse order, and the server is registered last.
/// </summary>
public sealed class AuditShutdownTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task ARequestTheServerFinishesWhileStopping_HasItsEvent()
    {
        using var crm = new TcpListener(IPAddress.Loopback, 0);
        crm.Start();
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var serving = AnswerOnceAsync(crm, received, answer.Task);
        var gateway = await GatewayUnderTest.For($"http://127.0.0.1:{((IPEndPoint)crm.LocalEndpoint).Port}")
            .WithAudit(redis.Configuration)
            .With("Gateway:Identity:Revocation:Enabled", "false")
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        var inFlight = client.GetAsync(gateway.Url("/api/contacts/in-flight"));
        await received.Task;
        var stopping = gateway.DisposeAsync().AsTask();
        await WaitUntilRefusedAsync(gateway.ProxyPort);
        answer.SetResult();
        using var response = await inFlight;
        await stopping;
        await serving;
        var events = await TestAudit.ReadAsync(redis.Configuration, gateway.AuditStream!);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(events, e => e.JsonText.Contains("\"/api/contacts/in-flight\"", StringComparison.Ordinal));
    }

    /// <summary>A CRM that reads one request, says so, and answers it only when told.</summary>
    private static async Task AnswerOnceAsync(TcpListener listener, TaskCompletionSource received, Task answer)
    {
        using var connection = await listener.AcceptTcpClientAsync();
        var stream = connection.GetStream();
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                return;
            }
            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        received.SetResult();
        await answer;
        var body = Encoding.UTF8.GetBytes(CrmStub.ContactsJson);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
        await stream.WriteAsync(body);
    }

    /// <summary>Until the server has stopped listening: it is stopping, and waits for the request under way.</summary>
    private static async Task WaitUntilRefusedAsync(int port)
    {
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, port);
                    return false;
                }
                catch (SocketException)
                {
                    return true;
                }
            },
            "the server never stopped listening",
            TimeSpan.FromSeconds(30));
    }
}
