using System.Text;
using Gateway.Audit;
using Gateway.Audit.Tests;

namespace Gateway.Tests.Audit;

public sealed class AuditSpoolTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"audit-spool-{Guid.NewGuid():N}");

    [Fact]
    public void ReadUnsent_ReturnsOnlySyncedLines_InOrder()
    {
        using var spool = AuditSpool.Open(_directory, "gw", TimeProvider.System);
        var lines = AuditTestEvents.Chain(3);
        spool.Append(Bytes(lines.Take(2)));
        spool.Sync();
        spool.Append(Bytes(lines.Skip(2)));

        var read = new List<SpoolLine>();
        spool.ReadUnsent(read, 100);

        Assert.Equal(lines.Take(2).Select(l => l.Hash), read.Select(l => Encoding.ASCII.GetString(l.Hash.Span)));
        Assert.Equal(lines[0].Json, read[0].Json.ToArray());
    }

    [Fact]
    public void ReadUnsent_LinesWithTheirSequence_AndLinesSpooledBeforeLinesHadIt_BothCarryTheirNumber()
    {
        using var spool = AuditSpool.Open(_directory, "gw", TimeProvider.System);
        var chain = new AuditChain(AuditTestEvents.Keys, "gw", new ChainHead(1, AuditTestEvents.Chain(1)[0].Hash));
        var written = new System.Buffers.ArrayBufferWriter<byte>();
        chain.Append(AuditTestEvents.Numbered(AuditTestEvents.Request(path: "/api/contacts/seven"), 7), written);
        spool.Append(Bytes(AuditTestEvents.Chain(1)));
        spool.Append(written.WrittenSpan);
        spool.Sync();

        var read = new List<SpoolLine>();
        spool.ReadUnsent(read, 100);

        Assert.Equal([1L, 7L], read.Select(l => l.Sequence));
        Assert.Contains("/api/contacts/seven", Encoding.UTF8.GetString(read[1].Json.Span));
        Assert.Equal((byte)'{', read[1].Json.Span[0]);
    }

    [Fact]
    public void ReadAfter_LooksAheadAcrossSegments_WithoutMovingTheCheckpoint()
    {
        var lines = AuditTestEvents.Chain(4);
        using var spool = AuditSpool.Open(_directory, "gw", TimeProvider.System, segmentBytes: 1);
        foreach (var line in lines)
        {
            spool.Append(Bytes([line]));
        }
        spool.Sync();

        var read = new List<SpoolLine>();
        var seen = new List<long>();
        var position = spool.ReadUnsent(read, 1);
        seen.AddRange(read.Select(l => l.Sequence));
        while (read.Count > 0)
        {
            position = spool.ReadAfter(position, read, 1);
            seen.AddRange(read.Select(l => l.Sequence));
        }
        spool.ReadUnsent(read, 100);

        Assert.Equal([1L, 2L, 3L, 4L], seen);
        Assert.Equal(1, Assert.Single(read).Sequence);
    }

    [Fact]
    public void Commit_AdvancesTheCheckpoint_AcrossARestart()
    {
        var lines = AuditTestEvents.Chain(3);
        using (var spool = AuditSpool.Open(_directory, "gw", TimeProvider.System))
        {
            spool.Append(Bytes(lines));
            spool.Sync();
            var read = new List<SpoolLine>();
            var end = spool.ReadUnsent(read, 2);
            spool.Commit(end);
        }

        using var reopened = AuditSpool.Open(_directory, null, TimeProvider.System);
        var rest = new List<SpoolLine>();
        reopened.ReadUnsent(rest, 100);

        Assert.Equal(lines[2].Hash, Encoding.ASCII.GetString(Assert.Single(rest).Hash.Span));
        Assert.Equal(new ChainHead(3, lines[2].Hash), reopened.Head);
        Assert.Equal("gw", reopened.InstanceId);
    }

    [Fact]
    public void Commits_WithinASecond_RewriteTheCheckpointFileOnce_AndClosingWritesTheLast()
    {
        var lines = AuditTestEvents.Chain(3);
        var checkpoint = Path.Combine(_directory, "checkpoint");
        using (var spool = AuditSpool.Open(_directory, "gw", TimeProvider.System))
        {
            spool.Append(Bytes(lines));
            spool.Sync();
            var read = new List<SpoolLine>();
            spool.Commit(spool.ReadUnsent(read, 1));
            var afterFirst = File.ReadAllText(checkpoint);
            spool.Commit(spool.ReadUnsent(read, 2));

            // A crash now would resend the last two events: duplicates, never a loss.
            Assert.Equal(afterFirst, File.ReadAllText(checkpoint));
        }

        using var reopened = AuditSpool.Open(_directory, null, TimeProvider.System);
        var rest = new List<SpoolLine>();
        reopened.ReadUnsent(rest, 100);
        Assert.Empty(rest);
    }

    [Fact]
    public void Open_AfterACrashMidLine_CutsTheHalfLine_AndResumesFromTheLastWholeEvent()
    {
        var lines = AuditTestEvents.Chain(2);
        using (var spool = AuditSpool.Open(_directory, "gw", TimeProvider.System))
        {
            spool.Append(Bytes(lines));
            spool.Sync();
        }
        var segment = Directory.GetFiles(_directory, "*.spool").Single();
        File.AppendAllText(segment, lines[0].Hash + " {\"half");

        using var reopened = AuditSpool.Open(_directory, "gw", TimeProvider.System);

        Assert.True(reopened.TruncatedBytes > 0);
        Assert.Equal(new ChainHead(2, lines[1].Hash), reopened.Head);
        var read = new List<SpoolLine>();
        reopened.ReadUnsent(read, 100);
        Assert.Equal(2, read.Count);
    }

    [Fact]
    public void Open_SecondProcessOnTheSameDirectory_IsRefused()
    {
        using var first = AuditSpool.Open(_directory, "gw", TimeProvider.System);

        var error = Assert.Throws<InvalidOperationException>(() => AuditSpool.Open(_directory, "gw", TimeProvider.System));

        Assert.StartsWith("Gateway:Audit:SpoolDirectory", error.Message);
    }

    [Fact]
    public void Segments_RollOver_AndWhollySentOnesAreDeleted()
    {
        var lines = AuditTestEvents.Chain(6);
        using var spool = AuditSpool.Open(_directory, "gw", TimeProvider.System, segmentBytes: 1);
        foreach (var line in lines)
        {
            spool.Append(Bytes([line]));
        }
        spool.Sync();
        Assert.Equal(6, Directory.GetFiles(_directory, "*.spool").Length);

        var sent = new List<string>();
        var read = new List<SpoolLine>();
        while (spool.HasUnsent)
        {
            var end = spool.ReadUnsent(read, 100);
            sent.AddRange(read.Select(l => Encoding.ASCII.GetString(l.Hash.Span)));
            spool.Commit(end);
        }

        Assert.Equal(lines.Select(l => l.Hash), sent);
        Assert.Single(Directory.GetFiles(_directory, "*.spool"));
        Assert.Equal(0, spool.UnsentBytes);
    }

    [Fact]
    public void UnsentBytes_CountsDownByWhatEachCommitSent_WithinAndAcrossSegments()
    {
        var lines = AuditTestEvents.Chain(7);
        using var spool = AuditSpool.Open(_directory, "gw", TimeProvider.System, segmentBytes: 2 * Bytes(lines.Take(1)).Length);
        foreach (var line in lines)
        {
            spool.Append(Bytes([line]));
        }
        spool.Sync();
        Assert.Equal(4, Directory.GetFiles(_directory, "*.spool").Length);
        Assert.Equal(Bytes(lines).Length, spool.UnsentBytes);

        var read = new List<SpoolLine>();
        var sent = 0;
        while (spool.HasUnsent)
        {
            var end = spool.ReadUnsent(read, 1);
            sent += read.Count;
            spool.Commit(end);
            Assert.Equal(Bytes(lines.Skip(sent)).Length, spool.UnsentBytes);
        }

        Assert.Equal(lines.Count, sent);
    }

    [Fact]
    public void Open_EmptyDirectory_StartsAtGenesis_WithAGeneratedInstanceId()
    {
        using var spool = AuditSpool.Open(_directory, null, TimeProvider.System);

        Assert.Equal(ChainHead.Genesis, spool.Head);
        Assert.StartsWith(Environment.MachineName, spool.InstanceId, StringComparison.Ordinal);
        Assert.False(spool.HasUnsent);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static byte[] Bytes(IEnumerable<(string Hash, byte[] Json)> lines) =>
        [.. lines.SelectMany(l => Encoding.ASCII.GetBytes(l.Hash + " ").Concat(l.Json).Append((byte)'\n'))];
}
