using Gateway.Masking;
using Gateway.Masking.Rules;
using Gateway.Upstream;

namespace Gateway.Routing;

/// <summary>
/// Reads a route's metadata into its <see cref="RoutePolicy"/>. Every key is the gateway's, so a
/// key it does not know is refused rather than ignored: a misspelt <c>RequireMfa</c> would
/// otherwise switch MFA off without a word. Keys match without regard to case, as YARP's
/// configuration reads them.
/// </summary>
internal static class RoutePolicyReader
{
    public const string RequireMfa = "RequireMfa";
    public const string MaskNdjson = "MaskNdjson";
    public const string MaskingPassThrough = "MaskingPassThrough";
    public const string AllowRequestHeaders = "AllowRequestHeaders";
    public const string AllowResponseHeaders = "AllowResponseHeaders";
    public const string Operation = "Operation";

    private static readonly string[] Keys = [RequireMfa, MaskNdjson, MaskingPassThrough, AllowRequestHeaders, AllowResponseHeaders, Operation];

    /// <summary>The route's policy, and every problem of its metadata (the policy is only good when there are none).</summary>
    /// <param name="neverForwarded">The request headers no route may forward (<see cref="RequestHeaderPolicy.NeverForwarded"/>).</param>
    /// <returns>Each problem with its configuration path, <c>ReverseProxy:Routes:ID:Metadata:KEY</c>.</returns>
    public static List<(string Path, string Message)> Read(string routeId, IReadOnlyDictionary<string, string>? metadata, HeaderDenyList neverForwarded, out RoutePolicy policy)
    {
        var problems = new List<(string Path, string Message)>();
        policy = RoutePolicy.Default;
        if (metadata is null || metadata.Count == 0)
        {
            return problems;
        }
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in metadata)
        {
            if (!Keys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add((Path(routeId, key), $"not a route setting of the gateway, which knows {string.Join(", ", Keys)}."));
            }
            else if (!values.TryAdd(key, value))
            {
                problems.Add((Path(routeId, key), "set more than once (keys do not depend on case)."));
            }
        }
        policy = new RoutePolicy
        {
            RequireMfa = Switch(RequireMfa),
            MaskNdjson = Switch(MaskNdjson),
            PassThroughMediaTypes = MediaTypes(),
            AllowRequestHeaders = HeaderList(AllowRequestHeaders, entry => HeaderAllowList.Problem(entry, neverForwarded)),
            AllowResponseHeaders = HeaderList(AllowResponseHeaders, entry => HeaderAllowList.Problem(entry, ResponseHeaderPolicy.NeverPassed)),
            Operations = Operations(),
        };
        return problems;

        bool Switch(string key)
        {
            if (!values.TryGetValue(key, out var value))
            {
                return false;
            }
            if (bool.TryParse(value, out var on))
            {
                return on;
            }
            problems.Add((Path(routeId, key), $"'{value}' is neither true nor false."));
            return false;
        }

        HashSet<string> MediaTypes()
        {
            var types = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in Entries(MaskingPassThrough))
            {
                if (IsMediaType(entry))
                {
                    types.Add(entry);
                }
                else
                {
                    problems.Add((Path(routeId, MaskingPassThrough), $"'{entry}' is not a media type such as text/csv (a type and a subtype, no wildcard, no parameters)."));
                }
            }
            return types;
        }

        // "read" (every method of the route), or "POST=read, PATCH=update" (per method).
        Dictionary<string, RecordOperation> Operations()
        {
            var operations = new Dictionary<string, RecordOperation>(StringComparer.Ordinal);
            foreach (var entry in Entries(Operation))
            {
                var (method, name) = entry.IndexOf('=') is var equals and >= 0
                    ? (entry[..equals].Trim().ToUpperInvariant(), entry[(equals + 1)..].Trim())
                    : ("*", entry);
                if (!RecordOperations.TryParse(name, out var operation))
                {
                    problems.Add((Path(routeId, Operation), $"'{name}' is not an operation; use one of {string.Join(", ", RecordOperations.Names)}, alone or as METHOD=operation."));
                }
                else if (method != "*" && !RequestGuard.HttpMethodPolicy.CanBeAllowed(method))
                {
                    problems.Add((Path(routeId, Operation), $"'{method}' is not a method the gateway accepts ({string.Join(", ", RequestGuard.HttpMethodPolicy.Allowable)})."));
                }
                else if (!operations.TryAdd(method, operation))
                {
                    problems.Add((Path(routeId, Operation), $"'{method}' is given an operation more than once."));
                }
            }
            if (operations.Count > 1 && operations.ContainsKey("*"))
            {
                problems.Add((Path(routeId, Operation), "is either one operation for every method or METHOD=operation pairs, not both."));
            }
            if (operations.Remove("*", out var every))
            {
                foreach (var method in RequestGuard.HttpMethodPolicy.Allowable)
                {
                    operations[method] = every;
                }
            }
            return operations;
        }

        IReadOnlyList<string> HeaderList(string key, Func<string, string?> problem)
        {
            var entries = Entries(key);
            foreach (var entry in entries)
            {
                if (problem(entry) is { } message)
                {
                    problems.Add((Path(routeId, key), message));
                }
            }
            return entries;
        }

        IReadOnlyList<string> Entries(string key)
        {
            if (!values.TryGetValue(key, out var value))
            {
                return [];
            }
            if (value is null)
            {
                problems.Add((Path(routeId, key), "must be one comma-separated value, not a section."));
                return [];
            }
            return HeaderAllowList.Split(value);
        }
    }

    private static string Path(string routeId, string key) => $"ReverseProxy:Routes:{routeId}:Metadata:{key}";

    /// <summary>RFC 9110 §8.3.1: <c>type "/" subtype</c>, each a token; a wildcard never matches a response's type, so it is refused.</summary>
    private static bool IsMediaType(string entry) =>
        entry.Split('/') is [var type, var subtype] && HeaderName.IsValid(type) && HeaderName.IsValid(subtype) && !entry.Contains('*');
}
