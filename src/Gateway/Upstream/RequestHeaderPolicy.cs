namespace Gateway.Upstream;

/// <summary>
/// Which client request headers reach the CRM. An allow-list, not a deny-list: a header the
/// gateway has never heard of (<c>X-Original-URL</c>, a CRM's own switch that bypasses its business
/// logic) does not reach the CRM until an operator decides it may.
/// </summary>
internal static class RequestHeaderPolicy
{
    /// <summary>Content negotiation, conditional requests, tracing and idempotency: nothing that names a client or changes who the CRM thinks is asking.</summary>
    public static readonly IReadOnlyList<string> DefaultAllowed =
    [
        "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language",
        "Content-Type", "Content-Language",
        "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range", "Range",
        "Cache-Control", "Prefer", "Idempotency-Key", "User-Agent",
        "X-Request-Id", "X-Correlation-Id", "traceparent", "tracestate",
    ];

    /// <summary>The body's framing is not the client's choice: a forwarded body keeps its length whatever the list says.</summary>
    private static readonly IReadOnlyList<string> AlwaysForwarded = ["Content-Length"];

    /// <summary>
    /// Never forwarded, whatever a list says: credentials (the gateway injects its own), the client's
    /// cookies (a CRM session would outrank the gateway's credential), forwarding headers (the gateway
    /// builds X-Forwarded-For/Proto itself, from trusted proxies only), method overrides (refused
    /// earlier), rewrite headers that some servers route by, and hop-by-hop headers.
    /// </summary>
    private static readonly string[] NeverForwardedNames =
    [
        "Authorization", "Proxy-Authorization", "Cookie", "Host",
        "Forwarded", "X-Real-IP", "X-Client-IP", "True-Client-IP", "X-Cluster-Client-IP", "CF-Connecting-IP", "Fastly-Client-IP",
        "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override",
        "X-Original-URL", "X-Rewrite-URL",
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    ];

    public static HeaderDenyList NeverForwarded(string credentialHeader) => new(
        [.. NeverForwardedNames, credentialHeader],
        ["X-Forwarded-"],
        "the gateway removes it from every request (credentials, cookies, forwarding, method-override, rewrite and hop-by-hop headers; it builds X-Forwarded-For and X-Forwarded-Proto itself).");

    /// <summary>The global list, for every route.</summary>
    public static HeaderAllowList Global(UpstreamOptions options) =>
        new([.. options.RequestHeaders.EffectiveAllow, .. AlwaysForwarded], NeverForwarded(options.Credential.Header));

    /// <summary>Every problem of the global list (start-up); a route's own list is its policy's (RoutePolicyReader).</summary>
    public static IEnumerable<(string Path, string Message)> Check(UpstreamOptions options)
    {
        var never = NeverForwarded(options.Credential.Header);
        for (var i = 0; i < options.RequestHeaders.Allow.Count; i++)
        {
            if (HeaderAllowList.Problem(options.RequestHeaders.Allow[i], never) is { } problem)
            {
                yield return ($"Gateway:Upstream:RequestHeaders:Allow[{i}]", problem);
            }
        }
    }

    /// <summary>Every forwarding transform of one route in the configuration (start-up).</summary>
    public static IEnumerable<(string Path, string Message)> CheckTransforms(IConfigurationSection route)
    {
        foreach (var transform in route.GetSection("Transforms").GetChildren())
        {
            foreach (var key in transform.GetChildren().Select(t => t.Key).Where(IsForwardingTransform))
            {
                yield return ($"ReverseProxy:Routes:{route.Key}:Transforms:{transform.Key}:{key}", ForwardingTransformProblem);
            }
        }
    }

    /// <summary>Every request carries it and the gateway replaces it with its credential: removing it drops nothing of the client's.</summary>
    public static bool IsConsumedByTheGateway(string name) => name.Equals("Authorization", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// YARP's host transform, which runs later, decides the Host the CRM sees: the destination's,
    /// or, on a route with <c>RequestHeaderOriginalHost</c>, the client's, which the guard checked.
    /// </summary>
    public static bool IsLeftToYarp(string name) => name.Equals("Host", StringComparison.OrdinalIgnoreCase);

    /// <summary>YARP's own X-Forwarded and Forwarded transforms would add X-Forwarded-Host (the client's Host) and X-Forwarded-Prefix.</summary>
    public static bool IsForwardingTransform(string key) =>
        key.Equals("X-Forwarded", StringComparison.OrdinalIgnoreCase) || key.Equals("Forwarded", StringComparison.OrdinalIgnoreCase);

    public const string ForwardingTransformProblem =
        "the gateway builds X-Forwarded-For and X-Forwarded-Proto itself (from trusted proxies only) and sends no other forwarding header; remove this transform.";
}
