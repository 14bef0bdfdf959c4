using Gateway.Quota;
using static Gateway.Tests.Quota.QuotaOptionsValidatorTests;

namespace Gateway.Tests.Quota;

/// <summary>One principal's counts on one instance: what is unsent, in numbered batches, and the allowance its responses draw from.</summary>
public sealed class PrincipalQuotaTests
{
    private static readonly QuotaLimits Limits = Limit(Budgets(requests: 10, records: 100, clearValues: 5, window: TimeSpan.FromMinutes(1)));
    private readonly List<PrincipalQuota> _queued = [];
    private readonly PrincipalQuota _quota;

    private long _sequence;

    public PrincipalQuotaTests() => _quota = new PrincipalQuota("alice", [], _queued.Add, () => ++_sequence);

    [Fact]
    public void Allowance_IsWhatRedisLeft_LessWhatWasSentHereSinceAndNotCounted()
    {
        _quota.Admit(Allowed(recordsUsed: 60), Limits);
        Assert.Equal(30, _quota.TakeRecords(30, 0));

        // Redis still says 60: the 30 sent here are not in its count yet.
        _quota.Admit(Allowed(recordsUsed: 60), Limits);

        Assert.Equal(10, _quota.TakeRecords(25, 0));
        Assert.Equal(0, _quota.TakeRecords(1, 0));
    }

    [Fact]
    public void Batches_AreNumbered_ResentUntilConfirmed_AndNothingIsLostMeanwhile()
    {
        _quota.Admit(Allowed(), Limits);
        _quota.TakeRecords(3, 0);
        var first = _quota.TakeBatch();
        _quota.TakeRecords(2, 0);

        Assert.Equal(new CountBatch(1, 3, 0), first);
        Assert.Equal(first, _quota.TakeBatch());

        _quota.Confirmed(first);
        Assert.Equal(new CountBatch(2, 2, 0), _quota.TakeBatch());
    }

    [Fact]
    public void Counting_QueuesTheEntryForTheFlusher_Once()
    {
        _quota.Admit(Allowed(), Limits);
        _quota.TakeRecords(1, 0);
        _quota.TakeRecords(1, 0);

        Assert.Single(_queued);
        _quota.Dequeued();
        _quota.Confirmed(_quota.TakeBatch());
        _quota.QueueIfUnsent();
        Assert.Single(_queued);
    }

    [Fact]
    public void ClearValues_ARecordWhoseValuesExceedTheAllowanceSendsNone()
    {
        _quota.Admit(Allowed(clearUsed: 2), Limits);

        Assert.True(_quota.TakeClearValues(2, 0));
        Assert.False(_quota.TakeClearValues(2, 0));
        Assert.True(_quota.TakeClearValues(1, 0));
        Assert.Equal(new CountBatch(1, 0, 3), _quota.TakeBatch());
    }

    [Fact]
    public void Locally_EachInstanceGetsItsShare_InWindowsByItsOwnClock()
    {
        var limits = Limit(Budgets(requests: 10, window: TimeSpan.FromMinutes(1)));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(QuotaStatus.Allowed, _quota.AdmitLocally(limits, instances: 2, nowMs: 1_000 + i).Status);
        }
        var refused = _quota.AdmitLocally(limits, instances: 2, nowMs: 31_000);

        Assert.Equal(QuotaStatus.RequestsSpent, refused.Status);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.RetryAfter);
        Assert.Equal(QuotaStatus.Allowed, _quota.AdmitLocally(limits, instances: 2, nowMs: 61_000).Status);
    }

    [Fact]
    public void Locally_RecordsSentCountAgainstTheLocalShare_AndTheLastFactorRedisReported()
    {
        _quota.Admit(Allowed() with { Factor = 0.5 }, Limits);
        Assert.Equal(QuotaStatus.Allowed, _quota.AdmitLocally(Limits, instances: 1, nowMs: 0).Status);

        Assert.Equal(50, _quota.TakeRecords(80, 0));

        var spent = _quota.AdmitLocally(Limits, instances: 1, nowMs: 1);
        Assert.Equal(QuotaStatus.RecordsSpent, spent.Status);
        Assert.Equal(new QuotaUse(50, 50, 59_999), spent.Records);
    }

    [Fact]
    public void TryRetire_KeepsAnEntryInUseUnsentOrCountingLocally()
    {
        var limits = Limit(Budgets(requests: 10, window: TimeSpan.FromMinutes(1)));
        Assert.True(_quota.TryEnter());
        _quota.AdmitLocally(limits, 1, 0);
        Assert.False(_quota.TryRetire(0, 0));

        _quota.Leave(0);
        Assert.False(_quota.TryRetire(59_999, 0));
        Assert.True(_quota.TryRetire(60_000, 0));
        Assert.False(_quota.TryEnter());
    }

    private static QuotaLimits Limit(QuotaBudgets budgets) => new(budgets.Requests, budgets.Records, budgets.ClearValues);

    private static QuotaCheck Allowed(long recordsUsed = 0, long clearUsed = 0) =>
        new(QuotaStatus.Allowed, TimeSpan.Zero, 1, new QuotaUse(recordsUsed, 100, 60_000), new QuotaUse(clearUsed, 5, 60_000), new QuotaUse(0, 10, 60_000));
}
