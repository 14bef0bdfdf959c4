using System.Diagnostics;
using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Transport;

/// <summary>
/// Offers each TLS version with the openssl command-line client, which (unlike .NET on Linux) can
/// still be told to offer TLS 1.0 and 1.1 when its security level is lowered.
/// </summary>
public sealed class TlsVersionTests : GatewayInFrontOfCrm
{
    [Theory]
    [InlineData("-tls1")]
    [InlineData("-tls1_1")]
    public async Task Handshake_LegacyTlsVersion_IsRefused(string version)
    {
        var (exitCode, output) = await OpenSslAsync(version, "-cipher", "DEFAULT:@SECLEVEL=0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("alert protocol version", output);
        Assert.Contains("Cipher is (NONE)", output);
    }

    [Theory]
    [InlineData("-tls1_2", "TLSv1.2")]
    [InlineData("-tls1_3", "TLSv1.3")]
    public async Task Handshake_ModernTlsVersion_IsAcceptedWithTrustedCertificate(string version, string protocol)
    {
        var (exitCode, output) = await OpenSslAsync(version);

        Assert.True(exitCode == 0, output);
        Assert.Contains($"New, {protocol}, Cipher is", output);
        Assert.Contains("Verify return code: 0 (ok)", output);
    }

    private async Task<(int ExitCode, string Output)> OpenSslAsync(params string[] options)
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "s_client", "-connect", $"127.0.0.1:{Gateway.ProxyPort}", "-servername", "localhost", "-CAfile", TestPki.Shared.CaPath }.Concat(options))
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start; install the openssl package.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        return (process.ExitCode, await stdout + await stderr);
    }
}
