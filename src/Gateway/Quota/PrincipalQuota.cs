using StackExchange.Redis;

namespace Gateway.Quota;

/// <summary>
/// What this instance knows of one principal's quotas, shared by its requests in flight here: the
/// records and clear values its responses sent that Redis has not confirmed yet (pending, then one
/// numbered batch in flight), and the allowance its responses draw from, which is what Redis said
/// was left at the last check minus what was sent here since. Responses of one principal on one
/// instance therefore never send more than the budget together. While Redis does not answer and
/// <c>WhenRedisDown=local</c>, it also counts this instance's share of each budget in windows of its own.
/// </summary>
/// <param name="nextSequence">
/// Numbers batches from one counter per process, not per entry: Redis adds a batch only if its
/// number is above the last it added from this process for the principal, and an entry dropped
/// while idle and made again must not start over below it.
/// </param>
internal sealed class PrincipalQuota(string principal, RedisKey[] keys, Action<PrincipalQuota> counted, Func<long> nextSequence)
{
    private readonly Lock _lock = new();
    private long _pendingRecords;
    private long _pendingClearValues;
    private CountBatch _sending;
    private long _recordsAllowance = long.MaxValue;
    private long _clearValuesAllowance = long.MaxValue;
    private int _requestsInFlight;
    private long _idleSinceMs;
    private bool _retired;
    private bool _queued;

    /// <summary>The override factor Redis last reported: a tightened principal stays tightened while Redis is away.</summary>
    private double _factor = 1;

    /// <summary>The last check was this instance's own: what is sent is counted in its local windows too.</summary>
    private bool _countingLocally;

    private LocalWindow _localRequests;
    private LocalWindow _localRecords;
    private LocalWindow _localClearValues;

    public string Principal { get; } = principal;

    public RedisKey[] Keys { get; } = keys;

    /// <summary>The budgets of the principal's last request, whose windows a batch sent on its own starts.</summary>
    public QuotaLimits Windows { get; private set; }

    /// <returns>False when the ledger has just dropped this entry: the caller takes a fresh one.</returns>
    public bool TryEnter()
    {
        lock (_lock)
        {
            if (_retired)
            {
                return false;
            }
            _requestsInFlight++;
            return true;
        }
    }

    public void Leave(long nowMs)
    {
        lock (_lock)
        {
            _requestsInFlight--;
            _idleSinceMs = nowMs;
        }
    }

    /// <summary>The batch to send: the one in flight again if Redis has not confirmed it, else everything pending under a new number.</summary>
    public CountBatch TakeBatch()
    {
        lock (_lock)
        {
            if (_sending.Sequence == 0 && (_pendingRecords > 0 || _pendingClearValues > 0))
            {
                _sending = new CountBatch(nextSequence(), _pendingRecords, _pendingClearValues);
                _pendingRecords = 0;
                _pendingClearValues = 0;
            }
            return _sending;
        }
    }

    /// <summary>Redis has added <paramref name="batch"/> (or had already).</summary>
    public void Confirmed(CountBatch batch)
    {
        lock (_lock)
        {
            if (batch.Sequence != 0 && _sending.Sequence == batch.Sequence)
            {
                _sending = CountBatch.None;
            }
        }
    }

    public bool HasUnsent
    {
        get
        {
            lock (_lock)
            {
                return _sending.Sequence != 0 || _pendingRecords > 0 || _pendingClearValues > 0;
            }
        }
    }

    /// <summary>Takes the flusher's mark off; the flusher then takes a batch.</summary>
    public void Dequeued()
    {
        lock (_lock)
        {
            _queued = false;
        }
    }

    /// <summary>Asks to be sent (again) by the flusher if anything is left to send.</summary>
    public void QueueIfUnsent()
    {
        bool queue;
        lock (_lock)
        {
            queue = !_queued && (_sending.Sequence != 0 || _pendingRecords > 0 || _pendingClearValues > 0);
            _queued |= queue;
        }
        if (queue)
        {
            counted(this);
        }
    }

    /// <summary>Redis has checked a request: the allowance is what it left, minus what was sent here that it has not counted yet.</summary>
    public void Admit(QuotaCheck check, QuotaLimits limits)
    {
        lock (_lock)
        {
            _factor = check.Factor;
            _countingLocally = false;
            Windows = limits;
            _recordsAllowance = check.Records.Limited ? check.Records.Remaining - _pendingRecords - _sending.Records : long.MaxValue;
            _clearValuesAllowance = check.ClearValues.Limited ? check.ClearValues.Remaining - _pendingClearValues - _sending.ClearValues : long.MaxValue;
        }
    }

    /// <summary>
    /// Redis did not answer: checks this instance's share (each limit, tightened by the last factor
    /// Redis reported, divided by <paramref name="instances"/>, at least 1) in windows by this
    /// instance's clock, counts the request if none is spent, and sets the allowance from what is left.
    /// </summary>
    public QuotaCheck AdmitLocally(QuotaLimits limits, int instances, long nowMs)
    {
        lock (_lock)
        {
            Windows = limits;
            _countingLocally = true;
            var records = _localRecords.Use(limits.Records, _factor, instances, nowMs);
            var clearValues = _localClearValues.Use(limits.ClearValues, _factor, instances, nowMs);
            var requests = _localRequests.Use(limits.Requests, _factor, instances, nowMs);
            var status = QuotaStatus.Allowed;
            var retry = TimeSpan.Zero;
            Spent(records, QuotaStatus.RecordsSpent);
            Spent(clearValues, QuotaStatus.ClearValuesSpent);
            Spent(requests, QuotaStatus.RequestsSpent);
            if (status == QuotaStatus.Allowed)
            {
                _localRequests.Add(1, limits.Requests, nowMs);
                _recordsAllowance = records.Remaining;
                _clearValuesAllowance = clearValues.Remaining;
            }
            return new QuotaCheck(status, retry, _factor, records, clearValues, requests);

            void Spent(QuotaUse use, QuotaStatus code)
            {
                if (use.Limited && use.Used >= use.Limit)
                {
                    retry = TimeSpan.FromMilliseconds(Math.Max(retry.TotalMilliseconds, use.WindowLeftMs));
                    status = status == QuotaStatus.Allowed ? code : status;
                }
            }
        }
    }

    /// <summary>Takes up to <paramref name="wanted"/> records from the allowance; those taken are sent, and counted.</summary>
    /// <returns>How many may be sent.</returns>
    public long TakeRecords(long wanted, long nowMs)
    {
        long granted;
        lock (_lock)
        {
            granted = Math.Min(wanted, Math.Max(0, _recordsAllowance));
            if (_recordsAllowance != long.MaxValue)
            {
                _recordsAllowance -= granted;
            }
            _pendingRecords += granted;
            if (_countingLocally && granted > 0)
            {
                _localRecords.Add(granted, Windows.Records, nowMs);
            }
        }
        QueueIfUnsent();
        return granted;
    }

    /// <returns>Whether a record holding <paramref name="values"/> clear high-sensitivity values may send them (they are then counted).</returns>
    public bool TakeClearValues(long values, long nowMs)
    {
        lock (_lock)
        {
            if (values > _clearValuesAllowance)
            {
                return false;
            }
            if (_clearValuesAllowance != long.MaxValue)
            {
                _clearValuesAllowance -= values;
            }
            _pendingClearValues += values;
            if (_countingLocally && values > 0)
            {
                _localClearValues.Add(values, Windows.ClearValues, nowMs);
            }
        }
        QueueIfUnsent();
        return true;
    }

    /// <summary>Drops this entry if nothing of it is in use, unsent, or in a local window still open, and it has been idle for <paramref name="idleMs"/>.</summary>
    public bool TryRetire(long nowMs, long idleMs)
    {
        lock (_lock)
        {
            _retired |= _requestsInFlight == 0 && !_queued && _sending.Sequence == 0 && _pendingRecords == 0 && _pendingClearValues == 0
                && nowMs - _idleSinceMs >= idleMs
                && !_localRequests.OpenAt(Windows.Requests, nowMs) && !_localRecords.OpenAt(Windows.Records, nowMs) && !_localClearValues.OpenAt(Windows.ClearValues, nowMs);
            return _retired;
        }
    }

    /// <summary>One kind's count in this instance's own window, which starts with the first count after the last one ended.</summary>
    private struct LocalWindow
    {
        private long _startMs;
        private long _count;

        private readonly long EndsAtMs(QuotaBudget budget) => _startMs + (long)budget.Window.TotalMilliseconds;

        public readonly bool OpenAt(QuotaBudget? budget, long nowMs) => _count > 0 && budget is not null && nowMs < EndsAtMs(budget);

        /// <summary>The count in the window open at <paramref name="nowMs"/>, and this instance's share of the limit.</summary>
        public QuotaUse Use(QuotaBudget? budget, double factor, int instances, long nowMs)
        {
            if (budget is null)
            {
                return new QuotaUse(0, -1, 0);
            }
            if (!OpenAt(budget, nowMs))
            {
                _count = 0;
            }
            return new QuotaUse(_count, Math.Max(1, (long)Math.Floor(budget.Limit * factor / instances)), _count > 0 ? EndsAtMs(budget) - nowMs : 0);
        }

        public void Add(long count, QuotaBudget? budget, long nowMs)
        {
            if (budget is null)
            {
                return;
            }
            if (!OpenAt(budget, nowMs))
            {
                (_startMs, _count) = (nowMs, 0);
            }
            _count += count;
        }
    }
}
