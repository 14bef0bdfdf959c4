namespace Gateway.WritePolicy;

/// <summary>Settings under <c>Gateway:WritePolicy</c>: who may change what, judged from the rules' <c>permissions</c> section.</summary>
internal sealed class WritePolicyOptions
{
    public const string Section = "Gateway:WritePolicy";

    /// <summary>
    /// <c>deny</c> (default): a create, update or delete on a route no rules entity covers is
    /// refused (<c>route_not_covered_for_write</c>). <c>allow</c> forwards it unchecked, with a
    /// warning at start and an audit event for each.
    /// </summary>
    public string UncoveredRoutes { get; set; } = "deny";

    /// <summary>
    /// Largest create or update body the check reads (413 <c>too_large</c> beyond it); at most
    /// <c>Gateway:RequestGuard:MaxRequestBodyBytes</c>. Null: the guard's limit, which already bounds every body.
    /// </summary>
    public long? MaxBodyBytes { get; set; }

    /// <summary>Deepest nesting of objects and arrays in a write body (a JSON Patch pointer's segments count too).</summary>
    public int MaxDepth { get; set; } = 64;

    /// <summary>Most distinct (path, class) pairs an audit event lists for one write; the check itself goes on beyond it.</summary>
    public int MaxReportedFields { get; set; } = 256;

    public bool AllowsUncoveredRoutes => UncoveredRoutes == "allow";
}
