using Gateway.WritePolicy;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.WritePolicy;

public sealed class WritePolicyOptionsValidatorTests
{
    [Fact]
    public void Defaults_Succeed()
    {
        Assert.True(Validator().Validate(null, new WritePolicyOptions()).Succeeded);
    }

    [Fact]
    public void EveryBadSetting_IsReportedAtOnce()
    {
        var result = Validator().Validate(null, new WritePolicyOptions { UncoveredRoutes = "pass", MaxBodyBytes = 0, MaxDepth = 1, MaxReportedFields = 0 });

        Assert.Contains("Gateway:WritePolicy:UncoveredRoutes", result.FailureMessage);
        Assert.Contains("Gateway:WritePolicy:MaxBodyBytes", result.FailureMessage);
        Assert.Contains("Gateway:WritePolicy:MaxDepth", result.FailureMessage);
        Assert.Contains("Gateway:WritePolicy:MaxReportedFields", result.FailureMessage);
    }

    [Fact]
    public void MaxBodyBytes_AboveTheGuardsLimit_Fails()
    {
        var result = Validator(("Gateway:RequestGuard:MaxRequestBodyBytes", "1000")).Validate(null, new WritePolicyOptions { MaxBodyBytes = 1001 });

        Assert.Contains("at most Gateway:RequestGuard:MaxRequestBodyBytes (1000)", result.FailureMessage);
    }

    [Fact]
    public void MaxBodyBytes_Unset_IsTheGuardsLimitWhateverItIs()
    {
        Assert.True(Validator(("Gateway:RequestGuard:MaxRequestBodyBytes", "1024")).Validate(null, new WritePolicyOptions()).Succeeded);
    }

    private static WritePolicyOptionsValidator Validator(params (string Key, string Value)[] settings) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());
}
