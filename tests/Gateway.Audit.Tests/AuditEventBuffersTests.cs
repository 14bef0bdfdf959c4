using Gateway.Masking;

namespace Gateway.Audit.Tests;

public sealed class AuditEventBuffersTests
{
    private const int Subjects = 1_000;

    [Fact]
    public void AWrittenRequestEvent_GivesBackItsSubjectListAndConsentReport()
    {
        var masking = AuditTestEvents.KeyedSubjects(Subjects);
        var consent = Decided();
        var auditEvent = AuditTestEvents.Request(masking: masking, consent: consent);

        auditEvent.ReleaseBuffers();

        Assert.Throws<ObjectDisposedException>(() => masking.SubjectIds.Entries);
        Assert.Throws<ObjectDisposedException>(() => consent.EnumerateListed());
    }

    [Fact]
    public void WithoutAMaskingReport_TheConsentReportIsKept_ForItsGateMayStillBeAddingToIt()
    {
        var consent = Decided();
        var auditEvent = AuditTestEvents.Request(status: 500, consent: consent);

        auditEvent.ReleaseBuffers();

        var listed = 0;
        foreach (var decision in consent.EnumerateListed())
        {
            Assert.Equal((ulong)listed++, (ulong)SubjectHash.FromBytes(decision.Hash).Value);
        }
        Assert.Equal(Subjects, listed);
        consent.Add(new SubjectHash(7), "allowed", "granted");
        Assert.Equal(Subjects + 1, consent.Listed);
    }

    private static ConsentReport Decided()
    {
        var consent = new ConsentReport("marketing", "consent", maxListed: 10_000);
        for (var i = 0; i < Subjects; i++)
        {
            consent.Add(new SubjectHash((ulong)i), "allowed", "granted");
        }
        return consent;
    }
}
