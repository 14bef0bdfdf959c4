using Gateway.Quota;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Quota;

public sealed class QuotaLedgerTests
{
    private readonly QuotaLedger _ledger = new(Options.Create(new QuotaOptions()));

    /// <summary>
    /// Redis adds a batch only when its number is above the last it added from this process for
    /// the principal: an entry dropped while idle and made again must not number from 1 again, or
    /// its counts would be taken for ones already added, and lost.
    /// </summary>
    [Fact]
    public void AnEntryMadeAgainAfterItWasDropped_NumbersItsBatchesAboveTheDroppedOnes()
    {
        var first = Count(_ledger.Enter("alice", 0)!);
        Assert.Equal(1, _ledger.Sweep(nowMs: 60_000, idleMs: 60_000));

        var second = Count(_ledger.Enter("alice", 60_000)!);

        Assert.True(second.Sequence > first.Sequence, $"{second.Sequence} after {first.Sequence}");
    }

    [Fact]
    public void WhenFull_ANewPrincipalIsTurnedAway_UntilAnEntryIsIdleWithNothingUnsent()
    {
        var ledger = new QuotaLedger(Options.Create(new QuotaOptions { MaxPrincipals = 1 }));
        var alice = ledger.Enter("alice", 0)!;

        Assert.Null(ledger.Enter("bob", 0));
        Assert.Same(alice, ledger.Enter("alice", 0));

        alice.Leave(0);
        alice.Leave(0);
        Assert.NotNull(ledger.Enter("bob", 0));
        Assert.Equal(1, ledger.Count);
    }

    /// <summary>Counts one record, has its batch confirmed, and leaves: the entry is idle with nothing unsent.</summary>
    private static CountBatch Count(PrincipalQuota entry)
    {
        entry.TakeRecords(1, 0);
        var batch = entry.TakeBatch();
        entry.Confirmed(batch);
        entry.Dequeued();
        entry.Leave(0);
        return batch;
    }
}
