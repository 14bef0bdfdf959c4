namespace Gateway.Masking;

/// <summary>Bounds on what the masker will read; beyond any of them the body is refused, never passed on.</summary>
public sealed record MaskingLimits
{
    /// <summary>Deepest nesting of objects and arrays.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Largest body.</summary>
    public long MaxBodyBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Largest single token (a string value or property name), as encoded.</summary>
    public int MaxValueBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Most subject ids listed in one report (the count goes on beyond it).</summary>
    public int MaxReportedSubjects { get; init; } = 10_000;
}

/// <summary>A body the masker cannot vouch for; <see cref="Reason"/> is a stable code (<c>invalid_json</c>, <c>too_deep</c>, ...).</summary>
public sealed class MaskingException(string reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Reason { get; } = reason;
}
