namespace Gateway.RequestGuard;

/// <summary>Settings under <c>Gateway:RequestGuard</c>: request hygiene applied before routing.</summary>
internal sealed class RequestGuardOptions
{
    public const string Section = "Gateway:RequestGuard";

    /// <summary>
    /// Methods accepted at all; empty means every method in <see cref="HttpMethodPolicy.Allowable"/>.
    /// A route narrows them further with YARP's <c>Match:Methods</c>. TRACE, CONNECT and unknown
    /// methods are never accepted. (Empty by default because the configuration binder appends a
    /// configured list to a pre-filled one, which would silently widen a narrowed list.)
    /// </summary>
    public List<string> AllowedMethods { get; set; } = [];

    public IReadOnlyList<string> EffectiveAllowedMethods => AllowedMethods.Count == 0 ? HttpMethodPolicy.Allowable : AllowedMethods;

    /// <summary>Largest request body (413 beyond it).</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest total size of the request headers (431 beyond it).</summary>
    public int MaxRequestHeadersTotalBytes { get; set; } = 32 * 1024;

    /// <summary>Most request headers (431 beyond it).</summary>
    public int MaxRequestHeaderCount { get; set; } = 100;

    /// <summary>Longest request line, method and target included (414 beyond it).</summary>
    public int MaxRequestLineBytes { get; set; } = 8 * 1024;
}
