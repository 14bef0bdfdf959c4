using Gateway.Transport;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Transport;

public sealed class TransportOptionsValidatorTests : IDisposable
{
    private readonly string _certificate = Path.ChangeExtension(Path.GetTempFileName(), ".crt");
    private readonly string _key = Path.GetTempFileName();

    public TransportOptionsValidatorTests()
    {
        File.WriteAllText(_certificate, "placeholder: the validator checks presence, the store checks content");
    }

    public void Dispose()
    {
        File.Delete(_certificate);
        File.Delete(_key);
    }

    [Fact]
    public void Validate_Defaults_WithCertificate_Succeeds()
    {
        var result = Validate(Valid());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_PemWithoutKey_Fails()
    {
        var options = Valid();
        options.Certificate.KeyPath = null;

        Assert.Contains("Gateway:Transport:Certificate:KeyPath", Validate(options).FailureMessage);
    }

    [Fact]
    public void Validate_SamePortForProxyAndAdmin_Fails()
    {
        var options = Valid();
        options.Admin.Port = options.Proxy.Port;

        Assert.Contains("Gateway:Transport:Admin:Port: must differ", Validate(options).FailureMessage);
    }

    [Theory]
    [InlineData("10.0.0.0/8")]
    [InlineData("192.168.1.7")]
    [InlineData("fd00::/8")]
    [InlineData("::1")]
    public void Validate_TrustedProxy_AcceptsNetworksAndAddresses(string entry)
    {
        var options = Valid();
        options.TrustedProxies.Add(entry);

        Assert.True(Validate(options).Succeeded);
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("everyone")]
    [InlineData("*")]
    public void Validate_TrustedProxy_RefusesGarbage(string entry)
    {
        var options = Valid();
        options.TrustedProxies.Add(entry);

        Assert.Contains("Gateway:Transport:TrustedProxies[0]", Validate(options).FailureMessage);
    }

    [Fact]
    public void Validate_AllowedHosts_ReportsEachEntryThatIsNoHostName()
    {
        var options = Valid();
        options.AllowedHosts.AddRange(["gateway.example.com", "https://gateway.example.com", "*.example.com", "gateway.example.com:8443"]);

        var failures = Validate(options).Failures!.ToList();

        Assert.Equal(2, failures.Count);
        Assert.StartsWith("Gateway:Transport:AllowedHosts[1]: 'https://gateway.example.com' is not a host name", failures[0]);
        Assert.StartsWith("Gateway:Transport:AllowedHosts[3]:", failures[1]);
    }

    [Fact]
    public void Validate_ManyProblems_ReportsEach()
    {
        var options = new TransportOptions
        {
            Proxy = new ListenerOptions { Address = "not-an-ip", Port = 0 },
            Certificate = new CertificateOptions { Path = null, ReloadCheckInterval = TimeSpan.Zero },
            Hsts = new HstsSettings { MaxAge = TimeSpan.FromSeconds(-1) },
        };

        var failures = Validate(options).Failures!.ToList();

        Assert.Contains(failures, f => f.StartsWith("Gateway:Transport:Proxy:Port", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Transport:Proxy:Address", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Transport:Certificate:Path", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Transport:Certificate:ReloadCheckInterval", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Transport:Hsts:MaxAge", StringComparison.Ordinal));
    }

    private TransportOptions Valid() => new()
    {
        Certificate = new CertificateOptions { Path = _certificate, KeyPath = _key },
    };

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(TransportOptions options) =>
        new TransportOptionsValidator(new ConfigurationBuilder().Build()).Validate(null, options);
}
