using Gateway.Audit;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Masking;

namespace Gateway.IntegrationTests.Audit;

/// <summary>
/// A list of 10 000 records makes an event of megabytes (every subject as a resource and as a
/// consent decision); the writer spools such events a megabyte at a time and still loses none.
/// </summary>
public sealed class AuditLargeEventTests
{
    private const int Events = 6;
    private const int Subjects = 10_000;

    [Fact]
    public async Task EventsOfMegabytes_InOneBurst_AllArrive_Chained_WithEverySubjectHashed()
    {
        await using var audit = await StandaloneAuditWriter.StartAsync("gateway:audit:large", TimeProvider.System);

        var queued = Enumerable.Range(0, Events).Select(LargeEvent).ToList();
        foreach (var auditEvent in queued)
        {
            await audit.Queue.RecordAsync(auditEvent);
        }

        var events = await TestAudit.WaitForAsync(audit.Configuration, audit.Options.Stream, Events, TimeSpan.FromSeconds(60));
        await audit.Writer.StopAsync(CancellationToken.None);
        Assert.Equal(Events, events.Count);
        Assert.Equal(Enumerable.Range(1, Events).Select(i => (long)i), events.Select(e => e.Sequence!.Value));
        var verifier = new AuditChainVerifier(TestAudit.Keys);
        foreach (var record in events)
        {
            verifier.Check(record.EntryId, record);
            Assert.True(record.Json.Length > 1024 * 1024, $"an event of {record.Json.Length} bytes is not the large event this test is about");
            var root = record.Document.RootElement;
            Assert.Equal(Subjects, root.GetProperty("resources").GetArrayLength());
            Assert.Equal(TestAudit.Keys.Pseudonym("c-09999"), root.GetProperty("resources")[Subjects - 1].GetProperty("uid").GetString());
            var consent = root.GetProperty("unmapped").GetProperty("consent");
            Assert.Equal(Subjects, consent.GetArrayLength());
            Assert.Equal(TestAudit.Keys.Pseudonym("c-00007"), consent[7].GetProperty("subject").GetString());
        }
        Assert.Empty(verifier.Breaks);
        // Written, each event gave its reports' pooled chunks back for the next responses.
        Assert.All(queued, auditEvent => Assert.Throws<ObjectDisposedException>(() => auditEvent.Masking!.SubjectIds.Entries));
        Assert.All(queued, auditEvent => Assert.Throws<ObjectDisposedException>(() => auditEvent.Consent!.EnumerateListed()));
    }

    private static ApiActivityEvent LargeEvent(int index)
    {
        var subjects = new SubjectIdList();
        var consent = new ConsentReport("marketing", "consent", Subjects);
        for (var i = 0; i < Subjects; i++)
        {
            var id = $"c-{i:00000}";
            subjects.Add(id);
            Assert.True(SubjectHash.TryParse(TestAudit.Keys.Pseudonym(id), out var hash));
            consent.Add(hash, "allowed", "granted");
        }
        return new ApiActivityEvent(DateTimeOffset.UtcNow)
        {
            Method = "GET",
            Path = $"/api/contacts?page={index}",
            StatusCode = 200,
            Masking = new MaskingReport("v-1", "contact", Subjects, subjects, new Dictionary<string, int> { ["contact:partial"] = Subjects }),
            Consent = consent,
        };
    }
}
