namespace Gateway.RequestGuard;

internal static class HttpMethodPolicy
{
    /// <summary>The methods an operator may allow. TRACE echoes headers (tokens) back; CONNECT tunnels past every stage.</summary>
    public static readonly IReadOnlyList<string> Allowable = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    public static bool CanBeAllowed(string method) => Allowable.Contains(method, StringComparer.Ordinal);
}
