using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Transport;

namespace Gateway.Tests.Transport;

public sealed class HostNameSetTests
{
    private static readonly HostNameSet Configured = new(["crm-gateway.example.com", "*.gw.example.com", "10.0.0.5", "[fd00::5]", "trailing.example.com."]);

    [Theory]
    [InlineData("crm-gateway.example.com")]
    [InlineData("CRM-GATEWAY.example.com:8443")]
    [InlineData("crm-gateway.example.com.")]
    [InlineData("eu.gw.example.com")]
    [InlineData("10.0.0.5:443")]
    [InlineData("[fd00::5]:8443")]
    [InlineData("[FD00:0::5]")]
    [InlineData("trailing.example.com")]
    public void Contains_ListedNames(string authority)
    {
        Assert.True(Configured.Contains(authority));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("evil.example.com")]
    [InlineData("crm-gateway.example.com.evil.example.com")]
    [InlineData("gw.example.com")]
    [InlineData("a.eu.gw.example.com")]
    [InlineData("10.0.0.6")]
    [InlineData("crm-gateway.example.com:")]
    [InlineData("crm-gateway.example.com:84a3")]
    [InlineData("crm-gateway.example.com:8443:1")]
    [InlineData("crm-gateway.example.com:1234567")]
    [InlineData("[fd00::5")]
    [InlineData("167772165")]
    public void Contains_OtherOrMalformedAuthority_IsFalse(string? authority)
    {
        Assert.False(Configured.Contains(authority));
    }

    [Fact]
    public void FromCertificate_UsesItsDnsAndIpNames()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ignored.example.com", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("gateway.example.com");
        names.AddDnsName("*.apps.example.com");
        names.AddIpAddress(IPAddress.Parse("192.0.2.10"));
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1));

        var set = HostNameSet.FromCertificate(certificate);

        Assert.True(set.Contains("gateway.example.com:8443"));
        Assert.True(set.Contains("crm.apps.example.com"));
        Assert.True(set.Contains("192.0.2.10"));
        Assert.False(set.Contains("ignored.example.com"));
        Assert.False(set.Contains("localhost"));
    }

    [Theory]
    [InlineData("gateway.example.com")]
    [InlineData("*.example.com")]
    [InlineData("localhost")]
    [InlineData("10.0.0.5")]
    [InlineData("::1")]
    [InlineData("[::1]")]
    public void Problem_GoodEntry_IsNull(string entry)
    {
        Assert.Null(HostNameSet.Problem(entry));
    }

    [Theory]
    [InlineData("https://gateway.example.com")]
    [InlineData("gateway.example.com:8443")]
    [InlineData("gateway.example.com/api")]
    [InlineData("*")]
    [InlineData("a.*.example.com")]
    [InlineData("")]
    public void Problem_NotAHostName_SaysSo(string entry)
    {
        Assert.Contains("is not a host name", HostNameSet.Problem(entry));
    }
}
