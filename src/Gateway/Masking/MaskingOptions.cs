namespace Gateway.Masking;

/// <summary>Settings under <c>Gateway:Masking</c>: the security team's rules and how strictly responses are handled.</summary>
internal sealed class MaskingOptions
{
    public const string Section = "Gateway:Masking";

    /// <summary>Off forwards every response unmasked. For benchmarks and diagnosis only; warned about at every start.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The rules YAML (docs/rules.md). Re-read when it changes; an invalid version is refused and the last good rules stay.</summary>
    public string? RulesPath { get; set; }

    /// <summary>A file holding the secret key of the <c>hash</c> action (at least 32 bytes; base64 or raw). Needed only if rules use hash.</summary>
    public string? HashKeyFile { get; set; }

    /// <summary><c>block</c> (403 before the CRM is asked) or <c>pass</c> (unmasked) for routes no entity covers.</summary>
    public string UnknownRoutes { get; set; } = "block";

    public int MaxDepth { get; set; } = 64;

    public int MaxValueBytes { get; set; } = 4 * 1024 * 1024;

    public long MaxBodyBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>How often the rules file is checked for a new version.</summary>
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    public ResponseHeadersOptions ResponseHeaders { get; set; } = new();
}

/// <summary>Which of the CRM's response headers reach the client on a masked route: only those listed.</summary>
internal sealed class ResponseHeadersOptions
{
    /// <summary>
    /// Header names, or prefixes ending in <c>*</c>, passed from the CRM to the client on masked
    /// routes; every other one is dropped and its name recorded in the audit event. Empty means
    /// <see cref="ResponseHeaderPolicy.DefaultAllowed"/>; a configured list replaces that set. A route
    /// adds names of its own with the YARP metadata <c>AllowResponseHeaders</c>.
    /// </summary>
    public List<string> Allow { get; set; } = [];

    public IReadOnlyList<string> EffectiveAllow => Allow.Count == 0 ? ResponseHeaderPolicy.DefaultAllowed : Allow;
}
