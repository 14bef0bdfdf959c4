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
    /// <summary>Field report entries of the rules last judged with; replaced when the rules change (their class indexes may mean other classes).</summary>
    private volatile WrittenFieldCache? _fields;

    public WriteLimits Limits { get; } = limits;

    /// <summary>
    /// The whole decision on a request to an entity's route, as the gateway takes it (and
    /// <c>gatewayctl rules test</c> replays it): may the caller's role perform the operation, and
    /// for create and update, can the body be judged (size, encoding, media type) and may the role
    /// write every field it writes.
    /// </summary>
    /// <param name="contentType">The request's one Content-Type, or null when it has none.</param>
    /// <param name="contentEncoding">The request's Content-Encoding, or null when it has none.</param>
    /// <param name="maxBodyBytes">Bodies larger than this are refused as <see cref="WriteRefusals.TooLarge"/>.</param>
    /// <returns>
    /// Null for a read the role may perform. Otherwise a report: its <see cref="WriteReport.Refusal"/>
    /// says why the request is refused, or is null when it may go ahead as sent.
    /// </returns>
    public WriteReport? Decide(CompiledRules rules, CompiledEntity entity, RolePermissions permissions, bool mfaUsed, RecordOperation operation,
        string method, string? contentType, string? contentEncoding, ReadOnlyMemory<byte> body, string? pathSubject, long maxBodyBytes)
    {
        WriteReport Report(WriteRefusal? refusal) => WriteReport.WithoutBody(rules.Version, entity.Name, operation.Name(), pathSubject, refusal);

        if (!permissions.Allows(entity, operation))
        {
            return Report(!rules.HasPermissions
                ? new WriteRefusal(WriteRefusals.WriteNotAllowed,
                    $"The rules in force have no permissions section, so nobody may {operation.Name()} records of entity '{entity.Name}'.") { Entity = entity.Name }
                : new WriteRefusal(WriteRefusals.OperationNotAllowed,
                    $"Role '{permissions.Role ?? "(none)"}' may not {operation.Name()} records of entity '{entity.Name}'.") { Entity = entity.Name });
        }
        if (operation == RecordOperation.Read)
        {
            // A read the route declares (a POST query) carries a query, not records; its response is masked as any read.
            return null;
        }
        if (operation == RecordOperation.Delete)
        {
            return Report(body.IsEmpty ? null
                : WriteRefusals.NotJudgeable(WriteRefusals.UnexpectedBody, "A delete carries no body; this one has one, which the gateway does not judge."));
        }
        if (body.IsEmpty)
        {
            // Nothing written: an action such as POST /contacts/{id}/verify.
            return Report(null);
        }
        if (body.Length > maxBodyBytes)
        {
            return Report(WriteRefusals.NotJudgeable(WriteRefusals.TooLarge, $"The body is larger than the {maxBodyBytes} bytes the write check reads."));
        }
        if (contentEncoding is not null && !contentEncoding.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return Report(WriteRefusals.NotJudgeable(WriteRefusals.Compressed, "Compressed request bodies (Content-Encoding) are not judged; send the body uncompressed."));
        }
        if (WriteBodyKinds.FromContentType(contentType, out var problem) is not { } kind)
        {
            return Report(WriteRefusals.NotJudgeable(WriteRefusals.ContentType, problem!));
        }
        var replacesRecords = method == "PUT" && kind == WriteBodyKind.Json;
        return Judge(rules, entity, permissions, mfaUsed, operation, replacesRecords, kind, body, pathSubject);
    }

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
        var fields = _fields;
        if (fields is null || !ReferenceEquals(fields.Rules, rules))
        {
            _fields = fields = new WrittenFieldCache(rules);
        }
        new WriteWalk(rules, entity, permissions, mfaUsed, operation, replacesRecords, body, Limits, report, fields).Run(kind);
        return report;
    }
}
