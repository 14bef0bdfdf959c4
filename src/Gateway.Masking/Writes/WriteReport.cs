namespace Gateway.Masking.Writes;

/// <summary>
/// What a write (create, update or delete) did or tried to do, for the audit event: the entity,
/// the records and their subjects, and the path and data class of every field written, by name,
/// never a value. Refused writes carry their <see cref="Refusal"/>; the fields up to it are listed.
/// </summary>
public sealed class WriteReport
{
    private readonly List<WrittenField> _fields = [];
    private readonly int _maxFields;

    internal WriteReport(string rulesVersion, string? entity, string operation, int maxFields)
    {
        RulesVersion = rulesVersion;
        Entity = entity;
        Operation = operation;
        _maxFields = maxFields;
    }

    /// <summary>A write whose body was not read: a delete, a body-less request, or one refused before its body.</summary>
    /// <param name="entity">Null on a route no entity covers.</param>
    /// <param name="pathSubject">The record the request's path names (<see cref="Rules.CompiledEntity.SubjectFromPath"/>).</param>
    public static WriteReport WithoutBody(string rulesVersion, string? entity, string operation, string? pathSubject, WriteRefusal? refusal)
    {
        var report = new WriteReport(rulesVersion, entity, operation, 0) { Refusal = refusal };
        if (pathSubject is not null)
        {
            report.SubjectIds.Add(pathSubject);
        }
        return report;
    }

    public string RulesVersion { get; }

    /// <summary>The route's entity; null on a route no entity covers.</summary>
    public string? Entity { get; }

    /// <summary><c>create</c>, <c>update</c> or <c>delete</c>.</summary>
    public string Operation { get; }

    /// <summary>Records found in the body.</summary>
    public int Records { get; internal set; }

    /// <summary>The records' subjects: the one the path names, and the subject field of each record in the body.</summary>
    public SubjectIdList SubjectIds { get; } = new();

    /// <summary>Each path (array positions as <c>[*]</c>) and class written, once, in the order first met.</summary>
    public IReadOnlyList<WrittenField> Fields => _fields;

    /// <summary>More distinct fields were written than a report lists.</summary>
    public bool FieldsTruncated { get; private set; }

    /// <summary>Why the write was refused; null when it may go ahead.</summary>
    public WriteRefusal? Refusal { get; internal set; }

    /// <returns>False once the report holds as many fields as it lists.</returns>
    internal bool TryAdd(WrittenField field)
    {
        if (_fields.Count >= _maxFields)
        {
            FieldsTruncated = true;
            return false;
        }
        _fields.Add(field);
        return true;
    }
}

/// <summary>A field written: its path from the body's root (<c>$.phones[*].number</c>, unescaped) and its data class (or <c>unclassified</c>).</summary>
public sealed record WrittenField(string Path, string Class);

/// <summary>
/// Why a write is refused: a stable <see cref="Code"/> (see <see cref="WriteRefusals"/>), for a body
/// the gateway cannot judge the <see cref="Reason"/>, and the field's path and class when one field
/// decided it. <see cref="Detail"/> is safe to show the client: names, never values.
/// </summary>
public sealed record WriteRefusal(string Code, string Detail)
{
    public string? Reason { get; init; }

    public string? Path { get; init; }

    public string? Class { get; init; }

    /// <summary>The entity whose permission decided (a typed record's own, in a collection).</summary>
    public string? Entity { get; init; }
}

/// <summary>The refusal codes of write checks, and the reasons a body cannot be judged.</summary>
public static class WriteRefusals
{
    public const string OperationNotAllowed = "operation_not_allowed";
    public const string WriteNotAllowed = "write_not_allowed";
    public const string FieldNotWritable = "field_not_writable";
    public const string MfaRequiredForWrite = "mfa_required_for_write";
    public const string RouteNotCoveredForWrite = "route_not_covered_for_write";
    public const string BodyNotJudgeable = "write_body_not_judgeable";

    /// <summary>Reasons a body is <see cref="BodyNotJudgeable"/>.</summary>
    public const string ContentType = "content_type", Compressed = "compressed", MalformedJson = "malformed_json", TooDeep = "too_deep",
        TooLarge = "too_large", NotARecord = "not_a_record", MalformedPatch = "malformed_patch", DuplicateKeyConflict = "duplicate_key_conflict",
        RecordTypeMissing = "record_type_missing", RecordTypeUnknown = "record_type_unknown", RecordTypeAmbiguous = "record_type_ambiguous",
        PatchAsJson = "patch_as_json", UnexpectedBody = "unexpected_body";

    public static WriteRefusal NotJudgeable(string reason, string detail) => new(BodyNotJudgeable, detail) { Reason = reason };
}
