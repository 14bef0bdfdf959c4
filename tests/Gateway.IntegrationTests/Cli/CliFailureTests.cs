using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Gateway.Demo;
using Gateway.IntegrationTests.Infrastructure;
using static Gateway.IntegrationTests.Consent.ConsentSetup;

namespace Gateway.IntegrationTests.Cli;

/// <summary>
/// Every way a gatewayctl command can fail, run as the real process a user runs: one line on
/// stderr, "gatewayctl: what failed; what to do", the documented exit code, never a stack trace.
/// </summary>
public sealed class CliFailureTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private static readonly string Root = RepositoryRoot.Path;
    private static readonly string DemoRules = Path.Combine(Root, "deploy", "rules", "democrm.yaml");
    private static readonly string DemoFixtures = Path.Combine(Root, "deploy", "rules", "fixtures", "democrm");
    private static readonly string Missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}");

    private readonly string _tokenFile = Path.Combine(Path.GetTempPath(), $"gatewayctl-token-{Guid.NewGuid():N}");

    public static TheoryData<string[], int, string> MissingFilesAndWrongArguments => new()
    {
        { ["rules", "test", DemoRules, Missing], 2, "does not exist" },
        { ["rules", "validate", Missing], 2, "does not exist" },
        { ["rules", "preview", DemoRules, "--role", "support-agent", "--path", "/api/contacts/1", "--input", Missing], 2, "does not exist" },
        { ["rules", "preview", DemoRules, "--role", "support-agent", "--path", "/api/contacts/1", "--input", Path.Combine(DemoFixtures, "support-agent-contact", "input.json"), "--hash-key", Missing], 2, "does not exist" },
        { ["audit", "verify", "--redis", "127.0.0.1:1", "--key-file", Missing], 2, "does not exist" },
        { ["consent", "import", Missing], 2, "does not exist" },
        { ["consent", "show", "c-1", "--token-file", Missing], 2, "does not exist" },
        { ["consent", "show", "c-1"], 2, "--token-file" },
        { ["revoke", "--sub", "a", "--frobnicate"], 2, "--frobnicate" },
        { ["revoke", "--sub", "a", "--for", "soon", "--redis", "127.0.0.1:1"], 2, "--for" },
        { ["audit", "report", "--since", "lately", "--redis", "127.0.0.1:1"], 2, "--since 'lately' is not a duration" },
        { ["rules"], 2, "Required command was not provided" },
        { ["frobnicate"], 2, "frobnicate" },
    };

    [Theory]
    [MemberData(nameof(MissingFilesAndWrongArguments))]
    public async Task MissingFilesAndWrongArguments_ExitTwoWithOneLine(string[] args, int exitCode, string says)
    {
        var result = await GatewayCtlProcess.RunAsync(args);

        result.AssertOneLine(exitCode, says);
    }

    [Theory]
    [InlineData("revoke", "--sub", "a")]
    [InlineData("unrevoke", "--jti", "a")]
    [InlineData("audit", "tail")]
    [InlineData("audit", "report")]
    public async Task UnreachableRedis_FailsAtOnce_NamingTheServer(params string[] args)
    {
        var port = FreePort.Next();

        var took = Stopwatch.StartNew();
        var result = await GatewayCtlProcess.RunAsync([.. args, "--redis", $"127.0.0.1:{port}"]);

        result.AssertOneLine(1, $"cannot reach Redis at 127.0.0.1:{port} (connection refused); is Redis running there?");
        Assert.True(took.Elapsed < TimeSpan.FromSeconds(5), $"took {took.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task AuditVerify_WithAPortThatIsNotRedis_SaysSo()
    {
        var port = FreePort.Next();
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        try
        {
            var result = await GatewayCtlProcess.RunAsync(["audit", "verify", "--redis", $"127.0.0.1:{port},connectTimeout=500", "--key-file", TestAudit.KeyFile]);

            result.AssertOneLine(1, "does not answer as Redis");
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Consent_AgainstTheWrongPortOrWithoutTheCa_SaysWhichAndWhatToDo()
    {
        File.WriteAllText(_tokenFile, AdminToken);
        using var crm = StartCrm();
        await using var gateway = await ConsentGateway(crm.Url!, redis.Configuration, $"consent:{Guid.NewGuid():N}").StartAsync();
        await using var withoutConsent = await GatewayUnderTest.For(crm.Url!).StartAsync();

        var withoutCa = await ShowAsync(gateway.AdminUrl("/"), caFile: null);
        withoutCa.AssertOneLine(1, "is not trusted");
        Assert.Contains("pass --ca-file with the gateway's CA certificate", withoutCa.Error);

        var proxyPort = await ShowAsync(gateway.Url("/"), TestPki.Shared.CaPath);
        proxyPort.AssertOneLine(1, "not the gateway's admin port (the proxy port?); pass --admin-url with the admin port (default https://localhost:8444");

        var noConsentApi = await ShowAsync(withoutConsent.AdminUrl("/"), TestPki.Shared.CaPath);
        noConsentApi.AssertOneLine(1, "has no consent API; it needs Redis");

        var nothingListens = await ShowAsync(new Uri($"https://localhost:{FreePort.Next()}/"), TestPki.Shared.CaPath);
        nothingListens.AssertOneLine(1, "(connection refused); is the gateway running");

        var plainHttp = await ShowAsync(new Uri($"http://localhost:{gateway.AdminPort}/"), TestPki.Shared.CaPath);
        plainHttp.AssertOneLine(2, "is not an https:// URL");
    }

    [Fact]
    public async Task Consent_TlsFailures_NameTheReason()
    {
        File.WriteAllText(_tokenFile, AdminToken);
        var pki = TestPki.Shared;
        using var oldCa = DevelopmentCertificates.CreateAuthority("Old CA", DateTimeOffset.UtcNow.AddDays(-30));
        var oldCaPath = Path.Combine(pki.Directory, $"old-ca-{Guid.NewGuid():N}.crt");
        File.WriteAllText(oldCaPath, oldCa.ExportCertificatePem());
        using var expired = DevelopmentCertificates.CreateServer(oldCa, "localhost", DateTimeOffset.UtcNow.AddDays(-10), TimeSpan.FromDays(1));
        using var current = DevelopmentCertificates.CreateServer(pki.Authority, "localhost", DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        var foreignCa = TestPki.CreateForeign().CaPath;

        using (var server = TlsServer.Start(expired))
        {
            (await ShowAsync(new Uri($"https://localhost:{server.Port}/"), oldCaPath)).AssertOneLine(1, "is not valid now, it is valid from");
        }
        using (var server = TlsServer.Start(current))
        {
            (await ShowAsync(new Uri($"https://127.0.0.2:{server.Port}/"), pki.CaPath)).AssertOneLine(1, "is not for '127.0.0.2' (it names localhost, 127.0.0.1");
            (await ShowAsync(new Uri($"https://localhost:{server.Port}/"), foreignCa)).AssertOneLine(1, "is not the CA that issued it");
        }
    }

    public void Dispose() => File.Delete(_tokenFile);

    private Task<GatewayCtlProcess.Result> ShowAsync(Uri adminUrl, string? caFile)
    {
        string[] ca = caFile is null ? [] : ["--ca-file", caFile];
        return GatewayCtlProcess.RunAsync(["consent", "show", "c-1", "--admin-url", adminUrl.ToString(), "--token-file", _tokenFile, .. ca]);
    }

    /// <summary>A TLS listener that completes handshakes with one certificate and answers nothing.</summary>
    private sealed class TlsServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Any, 0);
        private readonly CancellationTokenSource _stop = new();

        private TlsServer(X509Certificate2 certificate)
        {
            _listener.Start();
            _ = AcceptAsync(certificate);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static TlsServer Start(X509Certificate2 certificate) => new(certificate);

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }

        private async Task AcceptAsync(X509Certificate2 certificate)
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    using (client)
                    await using (var tls = new SslStream(client.GetStream()))
                    {
                        try
                        {
                            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, _stop.Token);
                        }
                        catch (Exception ex) when (ex is IOException or OperationCanceledException or AuthenticationException)
                        {
                        }
                    }
                });
            }
        }
    }
}

/// <summary>gatewayctl as its own process, as a user runs it: its own build output, with its own dependencies (not the test's).</summary>
internal static class GatewayCtlProcess
{
    /// <summary>src/Gateway.Cli/bin/{configuration}/{framework}/gatewayctl.dll, built with the tests.</summary>
    public static string Dll { get; } = Path.Combine(
        RepositoryRoot.Path, "src", "Gateway.Cli", "bin",
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name,
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name,
        "gatewayctl.dll");

    public static async Task<Result> RunAsync(string[] args, params (string Name, string? Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var name in new[] { "GATEWAYCTL_TOKEN_FILE", "GATEWAY_ADMIN_URL", "Gateway__Redis__Configuration", "Gateway__Audit__KeyFile", "GATEWAYCTL_DEBUG" })
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment)
        {
            if (value is not null)
            {
                start.Environment[name] = value;
            }
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("gatewayctl did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return new Result(process.ExitCode, await output, await error);
    }

    internal sealed record Result(int ExitCode, string Output, string Error)
    {
        public void AssertOneLine(int exitCode, string says)
        {
            var context = $"exit {ExitCode}, stderr:\n{Error}\nstdout:\n{Output}";
            Assert.True(ExitCode == exitCode, context);
            var lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, context);
            Assert.True(lines[0].StartsWith("gatewayctl: ", StringComparison.Ordinal), context);
            Assert.True(lines[0].Contains(says, StringComparison.Ordinal), $"expected: {says}\n{context}");
            Assert.True(!Error.Contains("   at ", StringComparison.Ordinal) && !Error.Contains("Exception", StringComparison.Ordinal), context);
        }
    }
}
