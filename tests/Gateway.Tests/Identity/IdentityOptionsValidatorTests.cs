using Gateway.Identity;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Identity;

public sealed class IdentityOptionsValidatorTests : IDisposable
{
    private readonly string _jwks = Path.GetTempFileName();

    public void Dispose() => File.Delete(_jwks);

    [Fact]
    public void Validate_CompleteIssuer_Succeeds()
    {
        Assert.True(Validate(Options(Issuer())).Succeeded, Validate(Options(Issuer())).FailureMessage);
    }

    [Fact]
    public void Validate_NoIssuer_Fails()
    {
        Assert.Contains("Gateway:Identity:Issuers: configure at least one issuer", Validate(new IdentityOptions()).FailureMessage);
    }

    [Fact]
    public void Validate_HsAlgorithmWithoutSymmetricKey_FailsNamingTheRisk()
    {
        var issuer = Issuer();
        issuer.ValidAlgorithms = ["RS256", "HS256"];

        var message = Validate(Options(issuer)).FailureMessage;

        Assert.Contains("Gateway:Identity:Issuers[0]:ValidAlgorithms[1]", message);
        Assert.Contains("public key", message);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("RS1")]
    public void Validate_UnsupportedAlgorithm_Fails(string algorithm)
    {
        var issuer = Issuer();
        issuer.ValidAlgorithms = [algorithm];

        Assert.Contains("ValidAlgorithms[0]", Validate(Options(issuer)).FailureMessage);
    }

    [Fact]
    public void Validate_PlainHttpAuthority_Fails()
    {
        var issuer = Issuer();
        issuer.JwksPath = null;
        issuer.Authority = "http://login.example.com";

        Assert.Contains("Gateway:Identity:Issuers[0]:Authority", Validate(Options(issuer)).FailureMessage);
    }

    [Fact]
    public void Validate_BothKeySources_Fails()
    {
        var issuer = Issuer();
        issuer.Authority = "https://login.example.com";

        Assert.Contains("only one of Authority and JwksPath", Validate(Options(issuer)).FailureMessage);
    }

    [Fact]
    public void Validate_DuplicateIssuersAndMissingParts_AreAllReported()
    {
        var second = Issuer();
        second.Audiences = [];
        second.RoleMap = [];
        second.KeyAutomaticRefreshInterval = TimeSpan.FromMinutes(1);

        var failures = Validate(Options(Issuer(), second)).Failures!.ToList();

        Assert.Contains(failures, f => f.StartsWith("Gateway:Identity:Issuers[1]:Name", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Identity:Issuers[1]:Issuer", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Identity:Issuers[1]:Audiences", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Identity:Issuers[1]:RoleMap", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Identity:Issuers[1]:KeyAutomaticRefreshInterval", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RevocationEnabledWithoutRedis_Fails()
    {
        var options = Options(Issuer());
        options.Revocation.Enabled = true;

        Assert.Contains("Gateway:Identity:Revocation:Enabled", Validate(options).FailureMessage);
        Assert.True(Validate(options, redis: "127.0.0.1:6379").Succeeded);
    }

    [Fact]
    public void Validate_ClockSkewBeyondFiveMinutes_Fails()
    {
        var options = Options(Issuer());
        options.ClockSkew = TimeSpan.FromMinutes(10);

        Assert.Contains("Gateway:Identity:ClockSkew", Validate(options).FailureMessage);
    }

    private IssuerOptions Issuer() => new()
    {
        Name = "idp",
        Issuer = "https://login.example.com",
        JwksPath = _jwks,
        Audiences = ["crm-gateway"],
        RoleMap = new() { ["crm-support"] = "support-agent" },
    };

    private static IdentityOptions Options(params IssuerOptions[] issuers) => new() { Issuers = [.. issuers] };

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(IdentityOptions options, string? redis = null) =>
        new IdentityOptionsValidator(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:Redis:Configuration"] = redis })
            .Build()).Validate(null, options);
}
