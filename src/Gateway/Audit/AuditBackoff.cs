namespace Gateway.Audit;

/// <summary>How long the audit trail waits before it tries again what failed: 200 ms, doubling, at most 2 s.</summary>
internal static class AuditBackoff
{
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(2);

    public static TimeSpan After(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(Max.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(attempt, 10))));
}
