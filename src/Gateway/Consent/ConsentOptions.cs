namespace Gateway.Consent;

/// <summary><c>Gateway:Consent</c>: the consent store in Redis, its local cache, and the consent API on the admin port.</summary>
internal sealed class ConsentOptions
{
    public const string Section = "Gateway:Consent";

    /// <summary>Prefix of the per-subject hashes (<c>{prefix}:{subject hash}</c>) and of the change channel (<c>{prefix}:changed</c>).</summary>
    public string KeyPrefix { get; set; } = "gateway:consent";

    /// <summary>
    /// Longest a cached answer is used. Every change is announced and evicts the answer at once on
    /// every instance; this bounds staleness only if an announcement is lost, and while the
    /// announcement channel is down nothing is cached at all.
    /// </summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most cached answers; beyond it the cache starts afresh.</summary>
    public int CacheMaxEntries { get; set; } = 100_000;

    /// <summary>Longest wait for the store's answer; beyond it the records are treated as without consent.</summary>
    public TimeSpan LookupTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Masked output held back per decision round trip (records are never split).</summary>
    public int BatchBytes { get; set; } = 128 * 1024;

    /// <summary>Records per decision round trip.</summary>
    public int BatchRecords { get; set; } = 1000;

    /// <summary>Gateway role a token must carry to use the consent API.</summary>
    public string AdminRole { get; set; } = "consent-admin";

    /// <summary>Most rows one import request may carry.</summary>
    public int MaxImportRows { get; set; } = 5000;
}
