namespace Gateway.PrivacyConsole;

/// <summary>
/// <c>Gateway:Console</c>: the privacy console on the admin port. Its API accepts the proxy's
/// access tokens; each view needs its own gateway role (mapped by the issuers' <c>RoleMap</c>).
/// </summary>
internal sealed class ConsoleOptions
{
    public const string Section = "Gateway:Console";

    /// <summary>Serve the console (it also needs the identity stage, whose tokens it accepts).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>May use the rules playground (validate, preview, samples).</summary>
    public string RulesEditorRole { get; set; } = "rules-editor";

    /// <summary>May read the data map and the record of processing.</summary>
    public string PrivacyOfficerRole { get; set; } = "privacy-officer";

    /// <summary>May read audit events, the chain's verification and alerts.</summary>
    public string SocAnalystRole { get; set; } = "soc-analyst";

    /// <summary>The largest request body the console API reads (a rules file plus a sample response).</summary>
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>The most roles one preview masks the sample for.</summary>
    public int MaxPreviewRoles { get; set; } = 16;

    /// <summary>The most audit events, or alerts, one request of the audit view lists.</summary>
    public int MaxAuditEvents { get; set; } = 500;

    /// <summary>The most stream entries one request of the audit view reads, newest first, to find matching events.</summary>
    public int MaxAuditScan { get; set; } = 20_000;

    /// <summary>The chain verification checks this many of the newest events.</summary>
    public int MaxVerifyEvents { get; set; } = 100_000;

    /// <summary>The record of processing counts distinct subjects exactly up to this many per row (then it says "at least").</summary>
    public int MaxSubjectsPerRow { get; set; } = 100_000;
}
