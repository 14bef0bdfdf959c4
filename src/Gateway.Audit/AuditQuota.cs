namespace Gateway.Audit;

/// <summary>
/// A request's quotas, for the SOC: how much of each budget its principal had used when the
/// request was checked and the limit in force (already tightened by <see cref="Factor"/>), and
/// what its response counted against them or held back.
/// </summary>
public sealed class AuditQuota
{
    /// <summary><c>redis</c> (the budget every instance shares) or <c>local</c> (this instance's share, while Redis does not answer).</summary>
    public required string Source { get; init; }

    /// <summary>The tightening in force for the principal (greater than 0, at most 1); 1 when none.</summary>
    public double Factor { get; init; } = 1;

    /// <summary>Requests before this one in the current window; null when no requests budget applies.</summary>
    public AuditQuotaUse? Requests { get; init; }

    public AuditQuotaUse? Records { get; init; }

    /// <summary>High-sensitivity values returned in clear.</summary>
    public AuditQuotaUse? ClearValues { get; init; }

    /// <summary>Records of this response counted against the records budget.</summary>
    public long RecordsCounted { get; init; }

    /// <summary>High-sensitivity values in clear of this response counted against their budget.</summary>
    public long ClearValuesCounted { get; init; }

    /// <summary>Records left out of this response's list because the records budget was spent while it was sent.</summary>
    public long RecordsWithheld { get; init; }

    /// <summary>Records sent with every classified field redacted because the clear-values budget was spent.</summary>
    public long RecordsMasked { get; init; }
}

/// <summary>How much of one budget was used in the current window, of which limit.</summary>
public sealed class AuditQuotaUse(long used, long limit)
{
    public long Used { get; } = used;

    public long Limit { get; } = limit;
}
