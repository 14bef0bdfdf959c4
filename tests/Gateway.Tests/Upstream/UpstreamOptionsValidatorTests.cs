using Gateway.Upstream;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Upstream;

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

    [Fact]
    public void Validate_RequestHeaderLists_ReportEveryBadEntryWithItsPath()
    {
        var options = new UpstreamOptions { Credential = { ValueFile = _credentialFile, Header = "X-Api-Key" } };
        options.RequestHeaders.Allow.AddRange(["Accept", "Cookie", "*", "X-Api-Key", "X-Forwarded-Host", "Sforce-*"]);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:r:ClusterId"] = "c",
            ["ReverseProxy:Routes:r:Match:Path"] = "/{**all}",
            ["ReverseProxy:Routes:r:Metadata:AllowRequestHeaders"] = "Sforce-*, Authorization, Bad Name",
            ["ReverseProxy:Routes:r:Transforms:0:X-Forwarded"] = "Set",
            ["ReverseProxy:Clusters:c:Destinations:d:Address"] = "https://crm.example.com/",
        }).Build();

        var failures = Validator(configuration).Validate(null, options).Failures!.ToList();

        Assert.Equal(
        [
            "Gateway:Upstream:RequestHeaders:Allow[1]",
            "Gateway:Upstream:RequestHeaders:Allow[2]",
            "Gateway:Upstream:RequestHeaders:Allow[3]",
            "Gateway:Upstream:RequestHeaders:Allow[4]",
            "ReverseProxy:Routes:r:Metadata:AllowRequestHeaders",
            "ReverseProxy:Routes:r:Metadata:AllowRequestHeaders",
            "ReverseProxy:Routes:r:Transforms:0:X-Forwarded",
        ], failures.Select(f => f[..f.IndexOf(": ", StringComparison.Ordinal)]));
        Assert.Contains("'Cookie' can never be let through", failures[0]);
    }

    private static UpstreamOptionsValidator Validator(IConfiguration configuration) => new(configuration);

    private static IConfiguration Routed(string destination) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ReverseProxy:Routes:r:ClusterId"] = "c",
        ["ReverseProxy:Routes:r:Match:Path"] = "/{**all}",
        ["ReverseProxy:Clusters:c:Destinations:d:Address"] = destination,
    }).Build();
}
