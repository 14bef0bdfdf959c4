using Gateway.Audit;

namespace Gateway.Tests.Audit;

public sealed class AuditSequenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("audit-sequence-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Open_NewDirectory_StartsAfterTheSpoolsHead_HavingReservedABlockOnDisk()
    {
        using var sequence = AuditSequence.Open(_directory, new ChainHead(41, new string('a', 64)), "spooled", TimeProvider.System);

        Assert.True(sequence.TryTake(out var first));
        Assert.Equal(42, first);
        Assert.Null(sequence.Unwritten);
        Assert.StartsWith($"{41 + AuditSequence.BlockSize} running spooled", Record());
    }

    [Fact]
    public void Reopen_AfterACleanStop_ContinuesRightAfterTheLastNumberTaken()
    {
        using (var sequence = AuditSequence.Open(_directory, ChainHead.Genesis, "queued", TimeProvider.System))
        {
            Take(sequence, 7);
            sequence.MarkStopped(sequence.LastTaken);
        }

        using var reopened = AuditSequence.Open(_directory, new ChainHead(6, new string('a', 64)), "queued", TimeProvider.System);

        Assert.Null(reopened.Unwritten);
        Assert.True(reopened.TryTake(out var next));
        Assert.Equal(8, next);
    }

    [Fact]
    public void Reopen_WithoutAStop_ReportsTheReservedNumbersNotInTheSpool_AndContinuesAfterThem()
    {
        using (var sequence = AuditSequence.Open(_directory, ChainHead.Genesis, "queued", TimeProvider.System))
        {
            Take(sequence, 7);
        }

        using var reopened = AuditSequence.Open(_directory, new ChainHead(5, new string('a', 64)), "stream", TimeProvider.System);

        Assert.Equal(new UnwrittenSequences(6, AuditSequence.BlockSize, "queued"), reopened.Unwritten);
        Assert.True(reopened.TryTake(out var next));
        Assert.Equal(AuditSequence.BlockSize + 1, next);
        Assert.StartsWith($"{(2 * AuditSequence.BlockSize)} running stream", Record());
    }

    [Fact]
    public async Task TakingBeyondABlock_WaitsOnlyForTheNextReservation_AndNumbersStayConsecutive()
    {
        using var sequence = AuditSequence.Open(_directory, ChainHead.Genesis, "queued", TimeProvider.System);
        var taken = new List<long>();

        while (taken.Count < 2 * AuditSequence.BlockSize)
        {
            if (sequence.TryTake(out var number))
            {
                taken.Add(number);
            }
            else
            {
                await sequence.WaitForReservationAsync();
            }
        }

        Assert.Equal(Enumerable.Range(1, taken.Count).Select(n => (long)n), taken);
        Assert.True(long.Parse(Record().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) >= taken[^1]);
    }

    [Fact]
    public void Open_UnreadableRecord_RefusesToGuess()
    {
        File.WriteAllText(Path.Combine(_directory, "sequence"), "garbage\n");

        var error = Assert.Throws<InvalidOperationException>(() => AuditSequence.Open(_directory, ChainHead.Genesis, "queued", TimeProvider.System));

        Assert.StartsWith("Gateway:Audit:SpoolDirectory", error.Message);
    }

    [Fact]
    public void MarkStopped_IsNotOverwrittenByAReservationStillUnderWay()
    {
        using (var sequence = AuditSequence.Open(_directory, ChainHead.Genesis, "queued", TimeProvider.System))
        {
            Take(sequence, (int)(AuditSequence.BlockSize / 2) + 1);
            sequence.MarkStopped(sequence.LastTaken);
        }

        Assert.StartsWith($"{(AuditSequence.BlockSize / 2) + 1} stopped queued", Record());
    }

    private string Record() => File.ReadAllText(Path.Combine(_directory, "sequence"));

    private static void Take(AuditSequence sequence, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.True(sequence.TryTake(out _));
        }
    }
}
