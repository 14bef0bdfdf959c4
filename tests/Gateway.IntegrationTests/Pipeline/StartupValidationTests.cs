using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Pipeline;

/// <summary>A gateway that is misconfigured must not start, and must say every problem at once.</summary>
public sealed class StartupValidationTests
{
    [Fact]
    public async Task HttpDestination_WithoutAllowInsecure_StopsStartupNamingTheSetting()
    {
        await using var gateway = GatewayUnderTest.For("http://crm.internal:8080/").With("Gateway:Upstream:AllowInsecure", null);

        var failures = await StartupFailures.Of(gateway);

        var failure = Assert.Single(failures);
        Assert.Contains("ReverseProxy:Clusters:crm:Destinations:primary:Address", failure);
        Assert.Contains("Gateway:Upstream:AllowInsecure=true", failure);
    }

    [Fact]
    public async Task HttpDestination_WithAllowInsecure_Starts()
    {
        await using var gateway = await GatewayUnderTest.For("http://127.0.0.1:9/").StartAsync();

        Assert.NotNull(gateway.Services);
    }

    [Fact]
    public async Task DangerousAcceptAnyServerCertificate_StopsStartup()
    {
        await using var gateway = GatewayUnderTest.For("https://crm.example.com/")
            .With("ReverseProxy:Clusters:crm:HttpClient:DangerousAcceptAnyServerCertificate", "true");

        var failure = Assert.Single(await StartupFailures.Of(gateway));

        Assert.Contains("DangerousAcceptAnyServerCertificate", failure);
    }

    [Fact]
    public async Task HostAndHeaderLists_EveryBadEntry_IsReportedWithItsSetting()
    {
        await using var gateway = GatewayUnderTest.For("https://crm.example.com/")
            .With("Gateway:Transport:AllowedHosts:0", "https://gateway.example.com")
            .With("Gateway:Upstream:RequestHeaders:Allow:0", "Cookie")
            .With("Gateway:Masking:ResponseHeaders:Allow:0", "Set-Cookie")
            .With("ReverseProxy:Routes:crm:Metadata:AllowRequestHeaders", "*")
            .With("ReverseProxy:Routes:crm:Metadata:AllowResponseHeaders", "Bad Name")
            .With("ReverseProxy:Routes:crm:Transforms:0:X-Forwarded", "Set");

        var failures = await StartupFailures.Of(gateway);

        Assert.Contains(failures, f => f.StartsWith("Gateway:Transport:AllowedHosts[0]: 'https://gateway.example.com' is not a host name", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Upstream:RequestHeaders:Allow[0]: 'Cookie' can never be let through", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Masking:ResponseHeaders:Allow[0]: 'Set-Cookie' can never be let through", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("ReverseProxy:Routes:crm:Metadata:AllowRequestHeaders: '*' would let every header through", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("ReverseProxy:Routes:crm:Metadata:AllowResponseHeaders: 'Bad Name'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("ReverseProxy:Routes:crm:Transforms:0:X-Forwarded: the gateway builds", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SeveralProblems_AreAllReportedTogether()
    {
        await using var gateway = GatewayUnderTest.For("https://crm.example.com/")
            .With("Gateway:Transport:Certificate:Path", "/nonexistent/gateway.crt")
            .With("Gateway:Transport:Admin:Port", "70000")
            .With("Gateway:Upstream:Credential:ValueFile", null)
            .With("Gateway:RequestGuard:AllowedMethods:0", "TRACE")
            .With("Gateway:Redis:Configuration", "localhost:6379,bogus=1")
            .With("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:8080");

        var failures = await StartupFailures.Of(gateway);

        Assert.Contains(failures, f => f.StartsWith("Gateway:Transport:Certificate:Path:", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Transport:Admin:Port:", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Upstream:Credential:", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:RequestGuard:AllowedMethods[0]:", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Redis:Configuration:", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Kestrel:Endpoints:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoRoutes_StopsStartup()
    {
        await using var gateway = GatewayUnderTest.For("https://crm.example.com/")
            .With("ReverseProxy:Routes:crm:ClusterId", null)
            .With("ReverseProxy:Routes:crm:Match:Path", null);

        var failure = Assert.Single(await StartupFailures.Of(gateway));

        Assert.StartsWith("ReverseProxy:Routes:", failure);
    }

    [Fact]
    public async Task PfxCertificate_WithPasswordFromEnvironment_Starts()
    {
        var variable = $"GATEWAY_TEST_PFX_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, TestPki.PfxPassword);
        try
        {
            using var crm = CrmStub.StartHttp();
            await using var gateway = await GatewayUnderTest.For(crm.Url!)
                .With("Gateway:Transport:Certificate:Path", TestPki.Shared.Server.PfxPath)
                .With("Gateway:Transport:Certificate:KeyPath", null)
                .With("Gateway:Transport:Certificate:PasswordEnvironmentVariable", variable)
                .StartAsync();
            using var client = GatewayUnderTest.CreateClient();

            var response = await client.GetAsync(gateway.Url("/api/contacts"));

            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Theory]
    [InlineData("Gateway:Transport:Proxy:Port", "abc")]
    [InlineData("Gateway:Masking:Enabled", "flase")]
    public async Task ValueOfTheWrongType_StopsTheProcessWithExitCode2NamingTheSetting(string setting, string value)
    {
        await using var gateway = GatewayUnderTest.For("https://crm.example.com/").With(setting, value);
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Gateway.dll"));
        foreach (var argument in gateway.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await stdout;

        Assert.Equal(2, process.ExitCode);
        Assert.Contains($"'{setting}'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
    }
}
