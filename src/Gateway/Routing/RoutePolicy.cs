using Gateway.Masking.Rules;

namespace Gateway.Routing;

/// <summary>
/// What a route's YARP metadata asks of the gateway, parsed and checked once, when the proxy
/// configuration loads (<see cref="RoutePolicyConfigFilter"/>), and attached to the route's
/// endpoint, where stages read it: the request path parses nothing.
/// </summary>
internal sealed record RoutePolicy
{
    /// <summary>A route without metadata of the gateway's.</summary>
    public static RoutePolicy Default { get; } = new();

    /// <summary><c>RequireMfa</c>: callers must have used multi-factor authentication (identity stage).</summary>
    public bool RequireMfa { get; init; }

    /// <summary><c>MaskNdjson</c>: newline-delimited JSON is masked line by line (otherwise it is blocked).</summary>
    public bool MaskNdjson { get; init; }

    /// <summary><c>MaskingPassThrough</c>: media types passed unmasked, an operator's explicit decision (JSON never is).</summary>
    public IReadOnlySet<string> PassThroughMediaTypes { get; init; } = new HashSet<string>();

    /// <summary><c>AllowRequestHeaders</c>: request header names (or prefixes ending in <c>*</c>) forwarded besides the global list.</summary>
    public IReadOnlyList<string> AllowRequestHeaders { get; init; } = [];

    /// <summary><c>AllowResponseHeaders</c>: response header names (or prefixes) a masked route passes besides the global list.</summary>
    public IReadOnlyList<string> AllowResponseHeaders { get; init; } = [];

    /// <summary>
    /// <c>Operation</c>: what a request on this route does to records, by method, where the method
    /// alone would say otherwise (a POST that is a query reads). Methods not listed keep
    /// <see cref="RecordOperations.ForMethod"/>.
    /// </summary>
    public IReadOnlyDictionary<string, RecordOperation> Operations { get; init; } = new Dictionary<string, RecordOperation>();

    /// <summary>The operation a request with <paramref name="method"/> performs on this route.</summary>
    public RecordOperation OperationFor(string method) =>
        Operations.TryGetValue(method, out var declared) ? declared : RecordOperations.ForMethod(method);
}
