using System.Text;
using Gateway.Core.Audit;

namespace Gateway.Core.Tests.Audit;

public sealed class AuditChainVerifierTests
{
    [Fact]
    public void Verify_IntactChain_HasNoBreak()
    {
        var verifier = Verify(AuditTestEvents.Chain(5));

        Assert.Empty(verifier.Breaks);
        Assert.Equal(5, verifier.Checked);
    }

    [Fact]
    public void Verify_EditedEvent_IsReportedAsModified()
    {
        var lines = AuditTestEvents.Chain(5);
        lines[2] = (lines[2].Hash, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(lines[2].Json).Replace("/api/contacts/2", "/api/contacts/9", StringComparison.Ordinal)));

        var problem = Assert.Single(Verify(lines).Breaks);

        Assert.Equal("2-0", problem.EntryId);
        Assert.Contains("modified", problem.Problem);
    }

    [Fact]
    public void Verify_DeletedEvent_IsReportedAsAGap()
    {
        var lines = AuditTestEvents.Chain(5);
        lines.RemoveAt(2);

        var problem = Assert.Single(Verify(lines).Breaks);

        Assert.Contains("gap", problem.Problem);
        Assert.Equal(4, problem.Sequence);
    }

    [Fact]
    public void Verify_SwappedPair_IsReported()
    {
        var lines = AuditTestEvents.Chain(5);
        (lines[1], lines[2]) = (lines[2], lines[1]);

        var breaks = Verify(lines).Breaks;

        Assert.Contains(breaks, b => b.Problem.Contains("out of order", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_ReplayedDuplicate_IsCountedNotABreak()
    {
        var lines = AuditTestEvents.Chain(4);
        lines.Insert(3, lines[2]);

        var verifier = Verify(lines);

        Assert.Empty(verifier.Breaks);
        Assert.Equal(1, verifier.Duplicates);
    }

    [Fact]
    public void Verify_HashMadeWithAnotherKey_IsModified()
    {
        var lines = AuditTestEvents.Chain(2);
        var forger = new AuditKeys(Encoding.UTF8.GetBytes("forger-key-0123456789abcdef-0123456789abc"));
        lines[1] = (forger.ChainHash(lines[1].Json), lines[1].Json);

        Assert.Contains(Verify(lines).Breaks, b => b.Problem.Contains("modified", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_EntryWithoutEvent_IsABreak()
    {
        var verifier = new AuditChainVerifier(AuditTestEvents.Keys);

        verifier.Check("1-0", AuditRecord.TryParse("1-0", Encoding.UTF8.GetBytes("not json"), "x"));

        Assert.Single(verifier.Breaks);
    }

    private static AuditChainVerifier Verify(List<(string Hash, byte[] Json)> lines)
    {
        var verifier = new AuditChainVerifier(AuditTestEvents.Keys);
        for (var i = 0; i < lines.Count; i++)
        {
            var id = $"{i}-0";
            using var record = AuditRecord.TryParse(id, lines[i].Json, lines[i].Hash);
            verifier.Check(id, record);
        }
        return verifier;
    }
}
