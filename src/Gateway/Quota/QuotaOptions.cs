namespace Gateway.Quota;

/// <summary>
/// <c>Gateway:Quota</c>: budgets per principal (a token's <c>sub</c>) of requests, records returned
/// and high-sensitivity values returned in clear, each per window of its own, kept in Redis so
/// that every instance enforces the same budget. Off while no budget is configured.
/// </summary>
internal sealed class QuotaOptions
{
    public const string Section = "Gateway:Quota";

    /// <summary>Gateway role to its budgets. Per kind, a caller gets the most generous budget among its roles listed here that set that kind.</summary>
    public Dictionary<string, QuotaBudgets> Roles { get; set; } = [];

    /// <summary>Budgets for each kind none of the caller's listed roles sets. Unset, such a kind is not limited.</summary>
    public QuotaBudgets? Default { get; set; }

    /// <summary>OAuth client id (the token's client_id or azp) to budgets that replace, kind by kind, those of the caller's roles.</summary>
    public Dictionary<string, QuotaBudgets> Clients { get; set; } = [];

    /// <summary>
    /// What a request gets while Redis does not answer within <see cref="Timeout"/>: <c>refuse</c>
    /// (503 <c>quota_unavailable</c>) or <c>local</c> (this instance enforces its own share of each
    /// budget, the budget divided by <see cref="LocalInstances"/>, in windows by its own clock).
    /// </summary>
    public string WhenRedisDown { get; set; } = "refuse";

    /// <summary>With <c>WhenRedisDown=local</c>: how many instances share a budget while each counts alone.</summary>
    public int LocalInstances { get; set; } = 1;

    /// <summary>Prefix of every per-principal key (<c>{KeyPrefix}:{tag}:…</c>); the same as containment's quota overrides use.</summary>
    public string KeyPrefix { get; set; } = "gateway:quota";

    /// <summary>Longest a request waits for Redis's answer before <see cref="WhenRedisDown"/> applies.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Records and clear values of a response are sent with the principal's next request; those not
    /// followed by one within this time are sent on their own, so other instances see them.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Principals this instance keeps counts for at once; a request of one more gets 503 <c>quota_unavailable</c>.</summary>
    public int MaxPrincipals { get; set; } = 100_000;

    public bool Enabled => Roles.Count > 0 || Default is not null || Clients.Count > 0;

    internal bool LocalFallback => WhenRedisDown == "local";
}

/// <summary>The budgets of one role, client or the default; a kind left unset is not limited by it.</summary>
internal sealed class QuotaBudgets
{
    public QuotaBudget? Requests { get; set; }

    public QuotaBudget? Records { get; set; }

    /// <summary>Values of classes of <c>sensitivity: high</c> that the caller's role gets in clear.</summary>
    public QuotaBudget? ClearValues { get; set; }
}

/// <summary>At most <see cref="Limit"/> per <see cref="Window"/>; the window starts with the first count after the last one ended.</summary>
internal sealed class QuotaBudget
{
    public long Limit { get; set; }

    public TimeSpan Window { get; set; }
}
