using System.Diagnostics;
using System.Net;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Audit;

/// <summary>
/// A full disk under the spool, with Redis down, leaves nowhere to keep events: a fail-closed gateway
/// then refuses requests (before the CRM is asked) and reports not ready. The disk is a real 128 KB
/// tmpfs, mounted as root (through <c>sudo -n</c> when the tests run as another user, as test.sh
/// does for installing redis-server).
/// </summary>
public sealed class AuditFailClosedTests : IDisposable
{
    private readonly string _mount = Directory.CreateTempSubdirectory("audit-full-disk-").FullName;

    public AuditFailClosedTests() => Run("mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", _mount);

    [Fact]
    public async Task SpoolDiskFull_WhileRedisIsDown_RequestsGet503AndTheGatewayIsNotReady()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!)
            .WithAudit($"127.0.0.1:{FreePort.Next()}", Path.Combine(_mount, "spool"))
            .With("Gateway:Identity:Revocation:Enabled", "false")
            .With("shutdownTimeoutSeconds", "2")
            .StartAsync();
        using var client = GatewayUnderTest.CreateClient();

        HttpResponseMessage? refused = null;
        for (var i = 0; i < 2000 && refused is null; i++)
        {
            var response = await client.GetAsync(gateway.Url("/api/contacts"));
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                refused = response;
            }
        }

        Assert.NotNull(refused);
        Assert.Contains("audit_unavailable", await refused.Content.ReadAsStringAsync());
        var crmRequests = crm.LogEntries.Count();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync(gateway.Url("/api/contacts"))).StatusCode);
        Assert.Equal(crmRequests, crm.LogEntries.Count());
        var ready = await client.GetAsync(gateway.AdminUrl("/readyz"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("\"name\":\"audit\",\"status\":\"Unhealthy\"", await ready.Content.ReadAsStringAsync());
    }

    public void Dispose()
    {
        Run("umount", "-l", _mount);
        Directory.Delete(_mount, recursive: true);
    }

    private static void Run(string command, params string[] arguments)
    {
        var asRoot = Environment.UserName == "root"
            ? new ProcessStartInfo(command, arguments)
            : new ProcessStartInfo("sudo", ["-n", command, .. arguments]);
        asRoot.RedirectStandardError = true;
        using var process = Process.Start(asRoot)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} failed ({error.Trim()}); this test needs root (or passwordless sudo) to mount a small tmpfs.");
        }
    }
}
