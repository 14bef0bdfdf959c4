using Gateway.Masking;

namespace Gateway.Audit.Tests;

public sealed class ConsentReportTests
{
    [Fact]
    public void Decisions_ComeBackInOrder_WithTheirHashes_AndCountsCoverEvenThoseBeyondTheListLimit()
    {
        var report = new ConsentReport("marketing", "consent", maxListed: 2_000);
        var hashes = Enumerable.Range(0, 2_500).Select(i => new SubjectHash(((UInt128)(ulong)i << 64) | ~(ulong)i)).ToList();
        for (var i = 0; i < hashes.Count; i++)
        {
            report.Add(i % 100 == 0 ? null : hashes[i], i % 3 == 0 ? "removed" : "allowed", i % 3 == 0 ? "withdrawn" : "granted");
        }

        var listed = Listed(report);

        Assert.Equal(2_000, report.Listed);
        Assert.Equal(2_000, listed.Count);
        for (var i = 0; i < listed.Count; i++)
        {
            Assert.Equal((i % 100 == 0 ? null : hashes[i].ToString(), i % 3 == 0 ? "removed" : "allowed", i % 3 == 0 ? "withdrawn" : "granted"), listed[i]);
        }
        Assert.Equal([("removed", "withdrawn", 834), ("allowed", "granted", 1_666)], report.Kinds);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(962)]
    [InlineData(963)]
    [InlineData(964)]
    [InlineData(1_927)]
    public void EveryDecision_ComesBack_AcrossTheFirstChunksGrowthAndChunkBoundaries(int decisions)
    {
        var report = new ConsentReport("marketing", "consent", maxListed: 10_000);
        var hashes = Enumerable.Range(0, decisions).Select(i => new SubjectHash(((UInt128)(ulong)(i * 7919L) << 64) | (ulong)i)).ToList();
        hashes.ForEach(hash => report.Add(hash, "allowed", "granted"));

        Assert.Equal(hashes.Select(h => h.ToString()), Listed(report).Select(d => d.Subject));
    }

    [Fact]
    public void AReleasedReport_RefusesToBeReadOrAddedTo()
    {
        var report = new ConsentReport("marketing", "consent", maxListed: 10_000);
        for (var i = 0; i < 3_000; i++)
        {
            report.Add(new SubjectHash((ulong)i), "allowed", "granted");
        }

        report.Release();

        Assert.Throws<ObjectDisposedException>(() => report.EnumerateListed());
        Assert.Throws<ObjectDisposedException>(() => report.Add(new SubjectHash(1), "allowed", "granted"));
    }

    [Fact]
    public void ReportsMadeFromReleasedChunks_ListOnlyTheirOwnDecisions()
    {
        // Released reports' pooled chunks go to the reports made next, here shorter ones, whose
        // listing must stop at what they decided.
        for (var round = 0; round < 4; round++)
        {
            var longer = new ConsentReport("marketing", "consent", maxListed: 10_000);
            for (var i = 0; i < 5_000; i++)
            {
                longer.Add(new SubjectHash(((UInt128)(ulong)round << 64) | (ulong)i), "removed", "withdrawn");
            }
            longer.Release();
            var hashes = Enumerable.Range(0, 1_500 + round).Select(i => new SubjectHash(((UInt128)(ulong)(i * 31) << 64) | (ulong)round)).ToList();
            var shorter = new ConsentReport("marketing", "consent", maxListed: 10_000);
            hashes.ForEach(hash => shorter.Add(hash, "allowed", "granted"));

            Assert.Equal(hashes.Select(h => (h.ToString(), "allowed", "granted")), Listed(shorter).Select(d => (d.Subject!, d.Decision, d.Reason)));
            shorter.Release();
        }
    }

    private static List<(string? Subject, string Decision, string Reason)> Listed(ConsentReport report)
    {
        var listed = new List<(string?, string, string)>();
        foreach (var decision in report.EnumerateListed())
        {
            listed.Add((decision.Hash.IsEmpty ? null : Convert.ToHexStringLower(decision.Hash), decision.Decision, decision.Reason));
        }
        return listed;
    }
}
