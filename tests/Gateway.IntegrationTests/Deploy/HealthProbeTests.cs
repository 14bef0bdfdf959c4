using Gateway.IntegrationTests.Infrastructure;
using Probe = Gateway.HealthProbe.HealthProbe;

namespace Gateway.IntegrationTests.Deploy;

/// <summary>The image's HEALTHCHECK program against the real gateway: healthy only while /healthz answers over TLS.</summary>
public sealed class HealthProbeTests
{
    [Fact]
    public async Task A_running_gateway_is_healthy_and_a_stopped_one_is_not()
    {
        using var crm = CrmStub.StartHttp();
        var gateway = await GatewayUnderTest.For(crm.Url!).StartAsync();
        var environment = new Dictionary<string, string> { [Probe.AdminPortVariable] = gateway.AdminPort.ToString() };

        var (healthy, said) = await RunAsync(environment);
        Assert.True(healthy == 0, said);
        Assert.Contains("answered 200", said);

        await gateway.DisposeAsync();
        var (stopped, saidStopped) = await RunAsync(environment);
        Assert.Equal(1, stopped);
        Assert.Contains("did not answer", saidStopped);
    }

    [Fact]
    public async Task The_proxy_port_is_not_mistaken_for_health()
    {
        using var crm = CrmStub.StartHttp();
        await using var gateway = await GatewayUnderTest.For(crm.Url!).StartAsync();

        var (exitCode, said) = await RunAsync(new Dictionary<string, string> { [Probe.AdminPortVariable] = gateway.ProxyPort.ToString() });

        Assert.Equal(1, exitCode);
        Assert.Contains("unhealthy", said);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("70000")]
    public async Task A_port_setting_that_is_not_a_port_is_unhealthy_and_named(string port)
    {
        var (exitCode, said) = await RunAsync(new Dictionary<string, string> { [Probe.AdminPortVariable] = port });

        Assert.Equal(1, exitCode);
        Assert.Contains($"'{port}' is not a port", said);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(Dictionary<string, string> environment)
    {
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(Probe.Timeout);
        var exitCode = await Probe.RunAsync(environment, output, timeout.Token);
        return (exitCode, output.ToString());
    }
}
