using Gateway.Core.Audit;
using Gateway.Core.Consent;
using Gateway.Core.Masking;

namespace Gateway.Core.Tests.Audit;

public sealed class AuditEventBuffersTests
{
    [Fact]
    public void AWrittenRequestEvent_GivesBackItsSubjectListAndConsentReport()
    {
        var (subjects, consent) = Reports();
        var auditEvent = WithReports(subjects, consent, masked: true);

        auditEvent.ReleaseBuffers();

        Assert.Throws<ObjectDisposedException>(() => subjects.Entries);
        Assert.Throws<ObjectDisposedException>(() => consent.EnumerateListed());
    }

    [Fact]
    public void WithoutAMaskingReport_TheConsentReportIsKept_ForItsGateMayStillBeAddingToIt()
    {
        var (subjects, consent) = Reports();
        var auditEvent = WithReports(subjects, consent, masked: false);

        auditEvent.ReleaseBuffers();

        var listed = 0;
        foreach (var decision in consent.EnumerateListed())
        {
            Assert.Equal((ulong)listed++, (ulong)SubjectHash.FromBytes(decision.Hash).Value);
        }
        Assert.Equal(1_000, listed);
        consent.Add(new SubjectHash(7), "allowed", "granted");
        Assert.Equal(1_001, consent.Listed);
    }

    private static (SubjectIdList Subjects, ConsentReport Consent) Reports()
    {
        var subjects = new SubjectIdList();
        var consent = new ConsentReport("marketing", "consent", maxListed: 10_000);
        for (var i = 0; i < 1_000; i++)
        {
            subjects.Add(new SubjectHash((ulong)i));
            consent.Add(new SubjectHash((ulong)i), "allowed", "granted");
        }
        return (subjects, consent);
    }

    private static ApiActivityEvent WithReports(SubjectIdList subjects, ConsentReport consent, bool masked) =>
        new(DateTimeOffset.UtcNow)
        {
            Method = "GET",
            Path = "/api/contacts",
            StatusCode = masked ? 200 : 500,
            Masking = masked ? new MaskingReport("v-1", "contact", 1_000, subjects, new Dictionary<string, int>()) : null,
            Consent = consent,
        };
}
