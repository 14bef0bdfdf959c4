using Gateway.Core.Upstream;
using Microsoft.Extensions.Configuration;

namespace Gateway.Core.Tests.Upstream;

public sealed class UpstreamOptionsValidatorTests : IDisposable
{
    private readonly string _credentialFile = Path.GetTempFileName();

    public void Dispose() => File.Delete(_credentialFile);

    [Fact]
    public void Validate_CompleteConfiguration_Succeeds()
    {
        var result = Validator(Routed("https://crm.example.com/")).Validate(null, new UpstreamOptions { Credential = { ValueFile = _credentialFile } });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_BothCredentialSources_Fails()
    {
        var options = new UpstreamOptions { Credential = { ValueFile = _credentialFile, ValueEnvironmentVariable = "X" } };

        var result = Validator(Routed("https://crm.example.com/")).Validate(null, options);

        Assert.Contains("Gateway:Upstream:Credential: set only one", result.FailureMessage);
    }

    [Fact]
    public void Validate_EnvironmentVariableUnset_Fails()
    {
        var options = new UpstreamOptions { Credential = { ValueEnvironmentVariable = $"UNSET_{Guid.NewGuid():N}" } };

        var result = Validator(Routed("https://crm.example.com/")).Validate(null, options);

        Assert.Contains("Gateway:Upstream:Credential:ValueEnvironmentVariable", result.FailureMessage);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Bad Header")]
    [InlineData("X-Key:")]
    public void Validate_InvalidHeaderName_Fails(string header)
    {
        var options = new UpstreamOptions { Credential = { ValueFile = _credentialFile, Header = header } };

        var result = Validator(Routed("https://crm.example.com/")).Validate(null, options);

        Assert.Contains("Gateway:Upstream:Credential:Header", result.FailureMessage);
    }

    [Fact]
    public void Validate_MissingTrustedCaFile_Fails()
    {
        var options = new UpstreamOptions { TrustedCaPath = "/nonexistent/ca.pem", Credential = { ValueFile = _credentialFile } };

        var result = Validator(Routed("https://crm.example.com/")).Validate(null, options);

        Assert.Contains("Gateway:Upstream:TrustedCaPath", result.FailureMessage);
    }

    private static UpstreamOptionsValidator Validator(IConfiguration configuration) => new(configuration);

    private static IConfiguration Routed(string destination) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ReverseProxy:Routes:r:ClusterId"] = "c",
        ["ReverseProxy:Routes:r:Match:Path"] = "/{**all}",
        ["ReverseProxy:Clusters:c:Destinations:d:Address"] = destination,
    }).Build();
}
