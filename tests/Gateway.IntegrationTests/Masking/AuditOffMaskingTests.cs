using Gateway.IntegrationTests.Infrastructure;
using Gateway.Masking;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.IntegrationTests.Masking;

/// <summary>
/// The subjects and consent decisions a response's audit event lists are gathered only when
/// there is an audit trail to keep them: with auditing off nothing would read them.
/// </summary>
public sealed class AuditOffMaskingTests
{
    [Fact]
    public async Task AuditOff_TheMaskerListsNoSubjects()
    {
        await using var gateway = GatewayUnderTest.For("http://127.0.0.1:1/");
        var app = gateway.Build();

        Assert.Equal(0, app.Services.GetRequiredService<RulesProvider>().Masker.Limits.MaxReportedSubjects);
    }

    [Fact]
    public async Task AuditOn_TheMaskerListsSubjectsUpToTheReportLimit()
    {
        await using var gateway = GatewayUnderTest.For("http://127.0.0.1:1/").WithAudit($"127.0.0.1:{FreePort.Next()}");
        var app = gateway.Build();

        Assert.Equal(new Gateway.Masking.MaskingLimits().MaxReportedSubjects, app.Services.GetRequiredService<RulesProvider>().Masker.Limits.MaxReportedSubjects);
    }
}
