using Gateway.RequestGuard;

namespace Gateway.Tests.RequestGuard;

public sealed class RequestGuardOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeed()
    {
        Assert.True(new RequestGuardOptionsValidator().Validate(null, new RequestGuardOptions()).Succeeded);
    }

    [Theory]
    [InlineData("TRACE")]
    [InlineData("CONNECT")]
    [InlineData("get")]
    [InlineData("PROPFIND")]
    public void Validate_UnallowableMethod_Fails(string method)
    {
        var result = new RequestGuardOptionsValidator().Validate(null, new RequestGuardOptions { AllowedMethods = ["GET", method] });

        Assert.Contains("Gateway:RequestGuard:AllowedMethods[1]", result.FailureMessage);
    }

    [Fact]
    public void EffectiveAllowedMethods_Configured_ReplaceDefaults()
    {
        Assert.Equal(["GET"], new RequestGuardOptions { AllowedMethods = ["GET"] }.EffectiveAllowedMethods);
        Assert.Equal(HttpMethodPolicy.Allowable, new RequestGuardOptions().EffectiveAllowedMethods);
    }

    [Fact]
    public void Validate_Limits_TooSmall_EachReported()
    {
        var options = new RequestGuardOptions { MaxRequestBodyBytes = 0, MaxRequestHeadersTotalBytes = 10, MaxRequestHeaderCount = 1, MaxRequestLineBytes = 1 };

        var failures = new RequestGuardOptionsValidator().Validate(null, options).Failures!;

        Assert.Equal(4, failures.Count());
    }
}
