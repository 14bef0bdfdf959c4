using Gateway.Audit;
using Gateway.Consent;
using Gateway.Masking;

namespace Gateway.Quota;

/// <summary>
/// One request's quotas: the check (where it was made, each budget's state, or the refusal) and
/// what its response counted against the records and clear-value budgets or held back past them.
/// </summary>
internal sealed class RequestQuota
{
    private readonly PrincipalQuota? _principal;
    private readonly ConsentSubjectKey? _subjects;
    private readonly TimeProvider _time;

    /// <summary>When the check answered, by the gateway's clock: the windows' times left it reported count from then.</summary>
    private readonly long _checkedAtMs;
    private int _ended;

    private RequestQuota(PrincipalQuota? principal, QuotaLimits limits, QuotaCheck? check, string? source, QuotaRefusal? refusal, ConsentSubjectKey? subjects, TimeProvider time)
    {
        _principal = principal;
        Limits = limits;
        Check = check;
        Source = source;
        Refusal = refusal;
        _subjects = subjects;
        _time = time;
        _checkedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    public QuotaLimits Limits { get; }

    /// <summary>Null when no check could be made (Redis down with <c>WhenRedisDown=refuse</c>, or too many principals).</summary>
    public QuotaCheck? Check { get; }

    /// <summary><c>redis</c> or <c>local</c>; null without a check.</summary>
    public string? Source { get; }

    public QuotaRefusal? Refusal { get; }

    public long RecordsCounted { get; private set; }

    public long ClearValuesCounted { get; private set; }

    public long RecordsWithheld { get; private set; }

    public long RecordsMasked { get; private set; }

    /// <param name="principal">Entered for this request; left by <see cref="End"/>.</param>
    public static RequestQuota Allowed(PrincipalQuota principal, QuotaLimits limits, QuotaCheck check, string source, ConsentSubjectKey? subjects, TimeProvider time) =>
        new(principal, limits, check, source, null, subjects, time);

    public static RequestQuota Refused(QuotaLimits limits, QuotaCheck? check, string? source, QuotaRefusal refusal, TimeProvider time) =>
        new(null, limits, check, source, refusal, null, time);

    /// <summary>The gate the response's records pass: this request's quota around the consent gate, if records or clear values are limited.</summary>
    public IRecordGate? GateAround(IRecordGate? consent) =>
        Refusal is null && Limits.GatesRecords && _principal is not null && _subjects is not null
            ? new QuotaRecordGate(this, consent, _subjects)
            : consent;

    /// <summary>
    /// After the consent gate's verdicts: records leaving past the records allowance are removed (a
    /// response that is one record is refused instead), and records whose clear high-sensitivity
    /// values exceed that allowance leave with every classified field redacted.
    /// </summary>
    /// <exception cref="QuotaExhaustedException">The body is one record and the records budget is spent.</exception>
    public void Decide(IReadOnlyList<RecordFacts> records, RecordVerdict[] verdicts)
    {
        var principal = _principal!;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (Limits.Records is { } recordsBudget)
        {
            var leaving = 0L;
            foreach (var verdict in verdicts)
            {
                leaving += verdict == RecordVerdict.Remove ? 0 : 1;
            }
            var granted = principal.TakeRecords(leaving, now);
            RecordsCounted += granted;
            for (int i = 0, kept = 0; i < verdicts.Length && granted < leaving; i++)
            {
                if (verdicts[i] == RecordVerdict.Remove || kept++ < granted)
                {
                    continue;
                }
                if (records[i].Single)
                {
                    throw new QuotaExhaustedException(QuotaRefusal.Spent(QuotaStatus.RecordsSpent, RecordsWindowLeft(recordsBudget, now)));
                }
                verdicts[i] = RecordVerdict.Remove;
                RecordsWithheld++;
            }
        }
        if (Limits.ClearValues is not null)
        {
            for (var i = 0; i < verdicts.Length; i++)
            {
                var values = records[i].ClearHighValues;
                if (verdicts[i] != RecordVerdict.Keep || values == 0)
                {
                    continue;
                }
                if (principal.TakeClearValues(values, now))
                {
                    ClearValuesCounted += values;
                }
                else
                {
                    verdicts[i] = RecordVerdict.Mask;
                    RecordsMasked++;
                }
            }
        }
    }

    /// <summary>
    /// How long the records window that the spent budget counts in still runs: as the check saw it;
    /// when none was open then or it has ended since, the counts that spent it open a window at the
    /// latest now, so a whole window is the longest the caller waits.
    /// </summary>
    private TimeSpan RecordsWindowLeft(QuotaBudget budget, long nowMs)
    {
        var endsAtMs = _checkedAtMs + Check!.Records.WindowLeftMs;
        return Check.Records.WindowLeftMs > 0 && endsAtMs > nowMs ? TimeSpan.FromMilliseconds(endsAtMs - nowMs) : budget.Window;
    }

    /// <summary>The request is over: its principal's entry may be dropped once idle. Safe to call twice.</summary>
    public void End()
    {
        if (_principal is not null && Interlocked.Exchange(ref _ended, 1) == 0)
        {
            _principal.Leave(_time.GetUtcNow().ToUnixTimeMilliseconds());
        }
    }

    public AuditQuota? ToAudit() => Check is not { } check ? null : new AuditQuota
    {
        Source = Source!,
        Factor = check.Factor,
        Requests = Use(check.Requests),
        Records = Use(check.Records),
        ClearValues = Use(check.ClearValues),
        RecordsCounted = RecordsCounted,
        ClearValuesCounted = ClearValuesCounted,
        RecordsWithheld = RecordsWithheld,
        RecordsMasked = RecordsMasked,
    };

    private static AuditQuotaUse? Use(QuotaUse use) => use.Limited ? new AuditQuotaUse(use.Used, use.Limit) : null;
}
