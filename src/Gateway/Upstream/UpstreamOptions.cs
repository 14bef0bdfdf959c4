namespace Gateway.Upstream;

/// <summary>Settings under <c>Gateway:Upstream</c>: how the gateway talks to the CRM.</summary>
internal sealed class UpstreamOptions
{
    public const string Section = "Gateway:Upstream";

    /// <summary>Allows http:// CRM destinations. Local development only: logged as a warning at every start.</summary>
    public bool AllowInsecure { get; set; }

    /// <summary>PEM bundle of CA certificates that the CRM's certificate must chain to, instead of the system store (private CAs).</summary>
    public string? TrustedCaPath { get; set; }

    public UpstreamCredentialOptions Credential { get; set; } = new();

    public RequestHeadersOptions RequestHeaders { get; set; } = new();
}

/// <summary>Which of the client's request headers reach the CRM: only those listed; every other one is removed.</summary>
internal sealed class RequestHeadersOptions
{
    /// <summary>
    /// Header names, or prefixes ending in <c>*</c>, forwarded to the CRM. Empty means
    /// <see cref="RequestHeaderPolicy.DefaultAllowed"/>; a configured list replaces that set (the
    /// configuration binder would append to a pre-filled list, so it starts empty). A route adds
    /// names of its own with the YARP metadata <c>AllowRequestHeaders</c>.
    /// </summary>
    public List<string> Allow { get; set; } = [];

    public IReadOnlyList<string> EffectiveAllow => Allow.Count == 0 ? RequestHeaderPolicy.DefaultAllowed : Allow;
}

/// <summary>The credential the gateway holds for the CRM; clients never see it and never send their own.</summary>
internal sealed class UpstreamCredentialOptions
{
    /// <summary>Header the credential is sent in.</summary>
    public string Header { get; set; } = "Authorization";

    /// <summary>File holding the complete header value (e.g. <c>Bearer abc...</c>); re-read when it changes.</summary>
    public string? ValueFile { get; set; }

    /// <summary>Environment variable holding the complete header value (alternative to ValueFile).</summary>
    public string? ValueEnvironmentVariable { get; set; }

    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(10);
}
