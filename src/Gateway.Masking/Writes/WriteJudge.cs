using Gateway.Masking.Rules;

namespace Gateway.Masking.Writes;

/// <summary>Bounds on what the write check reads; beyond them a body is refused, never forwarded.</summary>
public sealed record WriteLimits
{
    /// <summary>Deepest nesting of objects and arrays (a JSON Patch pointer's segments count too).</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Most distinct (path, class) pairs a report lists; the check goes on beyond it.</summary>
    public int MaxReportedFields { get; init; } = 256;

    /// <summary>Most subject ids a report lists.</summary>
    public int MaxReportedSubjects { get; init; } = 10_000;
}

/// <summary>
/// Judges a create or update body before it is forwarded: which fields it writes (by the same
/// selectors, unescaping, case rules and automaton as masking), of which data class, and whether
/// the caller's role may write each. One <see cref="System.Text.Json.Utf8JsonReader"/> pass over
/// the held bytes; the bytes are never changed. No ASP.NET: the gateway and gatewayctl share it.
/// </summary>
public sealed class WriteJudge(WriteLimits limits)
{
    public WriteLimits Limits { get; } = limits;

    /// <param name="replacesRecords">The method replaces each record whole (PUT): every class a record can hold counts as written.</param>
    /// <param name="pathSubject">The record the request's path names, for the report.</param>
    /// <returns>The report; its <see cref="WriteReport.Refusal"/> is null when the body may be forwarded as it is.</returns>
    public WriteReport Judge(CompiledRules rules, CompiledEntity entity, RolePermissions permissions, bool mfaUsed, RecordOperation operation,
        bool replacesRecords, WriteBodyKind kind, ReadOnlyMemory<byte> body, string? pathSubject)
    {
        var report = new WriteReport(rules.Version, entity.Name, operation.Name(), Limits.MaxReportedFields);
        if (pathSubject is not null)
        {
            report.SubjectIds.Add(pathSubject);
        }
        new WriteWalk(rules, entity, permissions, mfaUsed, operation, replacesRecords, body, Limits, report).Run(kind);
        return report;
    }
}
