using System.Text;

namespace Gateway.Audit.Tests;

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

        var verifier = Verify(lines);
        var problem = Assert.Single(verifier.Breaks);

        Assert.Contains("gap", problem.Problem);
        Assert.Equal(4, problem.Sequence);
        Assert.Equal((3L, 3L, GapKind.Missing), (verifier.Gaps[0].First, verifier.Gaps[0].Last, verifier.Gaps[0].Kind));
    }

    [Fact]
    public void Verify_NumbersNeverWritten_AreAGapTheChainHoldsOver_AndABreak()
    {
        var verifier = Verify(AuditTestEvents.Chain([1, 2, 4, 5]));

        var gap = Assert.Single(verifier.Gaps);
        Assert.Equal((3L, 3L, GapKind.NotWritten, true), (gap.First, gap.Last, gap.Kind, gap.IsBreak));
        Assert.Contains("never wrote", Assert.Single(verifier.Breaks).Problem);
    }

    [Theory]
    [InlineData("spooled", false)]
    [InlineData("stream", false)]
    [InlineData("queued", true)]
    public void Verify_NumbersACrashedProcessReserved_AreAGap_ABreakOnlyIfItsResponsesDidNotWait(string durability, bool isBreak)
    {
        var verifier = Verify(AuditTestEvents.Chain([Request(1), Request(2), Restart(10_001, 3, 10_000, durability), Request(10_002)]));

        var gap = Assert.Single(verifier.Gaps);
        Assert.Equal((3L, 10_000L, GapKind.UnwrittenAtCrash, durability, isBreak), (gap.First, gap.Last, gap.Kind, gap.PreviousDurability, gap.IsBreak));
        Assert.Equal(1, verifier.Restarts);
        Assert.Equal(isBreak ? 1 : 0, verifier.Breaks.Count);
    }

    [Fact]
    public void Verify_EventsRemovedJustBeforeACrashGap_AreMissing_AndTheRestIsTheCrashsGap()
    {
        var lines = AuditTestEvents.Chain([Request(1), Request(2), Request(3), Request(4), Restart(10_001, 5, 10_000, "spooled"), Request(10_002)]);
        lines.RemoveRange(2, 2);

        var verifier = Verify(lines);

        Assert.Equal(
            [(3L, 4L, GapKind.Missing, true), (5L, 10_000L, GapKind.UnwrittenAtCrash, false)],
            verifier.Gaps.Select(g => (g.First, g.Last, g.Kind, g.IsBreak)));
        Assert.Contains("removed", Assert.Single(verifier.Breaks).Problem);
    }

    [Fact]
    public void Verify_RestartAfterACrashWithDurabilityQueued_IsABreak_EvenWithoutAGap()
    {
        var verifier = Verify(AuditTestEvents.Chain([Request(1), Request(2), Restart(3, 3, 2, "queued"), Request(4)]));

        Assert.Empty(verifier.Gaps);
        Assert.Contains("restart after a crash with Durability=queued", Assert.Single(verifier.Breaks).Problem);
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

    private static AuditEvent Request(long sequence) => AuditTestEvents.Numbered(AuditTestEvents.Request(path: $"/api/contacts/{sequence}"), sequence);

    private static AuditEvent Restart(long sequence, long first, long last, string durability) =>
        AuditTestEvents.Numbered(new AuditRestartEvent(DateTimeOffset.UnixEpoch, new UnwrittenSequences(first, last, durability)), sequence);

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
