using Gateway.Redis;

namespace Gateway.Tests.Redis;

public sealed class RedisOptionsValidatorTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("127.0.0.1:6379")]
    [InlineData("redis-a:6379,redis-b:6379,password=secret,ssl=true,abortConnect=false")]
    public void Validate_UsableConfiguration_Succeeds(string? configuration)
    {
        Assert.True(new RedisOptionsValidator().Validate(null, new RedisOptions { Configuration = configuration }).Succeeded);
    }

    [Theory]
    [InlineData("localhost:6379,bogus=1", "not a valid StackExchange.Redis configuration string")]
    [InlineData("localhost:6379,connectTimeout=soon", "not a valid StackExchange.Redis configuration string")]
    [InlineData("localhost:99999", "not a valid StackExchange.Redis configuration string")]
    [InlineData("localhost:notaport", "names no endpoint")]
    public void Validate_Unusable_SaysWhy(string configuration, string expected)
    {
        var result = new RedisOptionsValidator().Validate(null, new RedisOptions { Configuration = configuration });

        Assert.Contains(expected, result.FailureMessage);
        Assert.StartsWith("Gateway:Redis:Configuration:", result.FailureMessage);
    }

    [Fact]
    public void Validate_PasswordFile_MissingEmptyOrBesideAPassword_ReportsEveryProblem()
    {
        var empty = Path.GetTempFileName();
        try
        {
            var missing = new RedisOptionsValidator().Validate(null, new RedisOptions { Configuration = "localhost:6379,password=x", PasswordFile = empty + ".absent" });
            Assert.Contains("Gateway:Redis:PasswordFile: is set and Gateway:Redis:Configuration has a password= too", missing.FailureMessage);
            Assert.Contains("cannot be read", missing.FailureMessage);

            var blank = new RedisOptionsValidator().Validate(null, new RedisOptions { PasswordFile = empty });
            Assert.Contains("is empty", blank.FailureMessage);
            Assert.Contains("Gateway:Redis:Configuration is not", blank.FailureMessage);
        }
        finally
        {
            File.Delete(empty);
        }
    }

    [Fact]
    public void ReadPassword_IgnoresTheTrailingLineBreakOnly()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, " s3cret \r\n");
            Assert.Equal(" s3cret ", RedisOptions.ReadPassword(file));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
