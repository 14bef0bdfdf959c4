namespace Gateway.Upstream;

internal static class HeaderName
{
    /// <summary>An RFC 9110 token: what a header field name may be.</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c));
}
