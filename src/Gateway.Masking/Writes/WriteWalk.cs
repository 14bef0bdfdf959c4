using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Gateway.Masking.Rules;

namespace Gateway.Masking.Writes;

/// <summary>
/// One write body, walked once. What a value writes depends on what it is: a scalar writes the
/// class of its path; an object is merged into what is there, so only its members write (and its
/// own class, if a selector classifies it); an array or a <c>null</c> replaces what was there, so it
/// also writes every class a selector places below its path (<see cref="PathState.Erasable"/>).
/// JSON Patch operations write their target path, its classes below, and their value.
/// The walk stops at the first field the role may not write.
/// </summary>
internal sealed class WriteWalk
{
    /// <summary>More numeric segments than this in one JSON Patch pointer (each may be an index or a name) is refused rather than judged every way.</summary>
    private const int MaxAmbiguousSegments = 4;

    private static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 1024 };

    /// <summary>Per process, so that nobody can make two paths of a body share a report entry on purpose.</summary>
    private static readonly ulong HashSeed = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8)) | 1;

    private readonly CompiledRules _rules;
    private readonly CompiledEntity _entity;
    private readonly RolePermissions _permissions;
    private readonly bool _mfaUsed;
    private readonly RecordOperation _operation;
    private readonly bool _replacesRecords;
    private readonly ReadOnlyMemory<byte> _body;
    private readonly WriteLimits _limits;
    private readonly WriteReport _report;
    private readonly int _unclassified;

    private WriteFrame[] _frames = new WriteFrame[16];
    private int _depth;

    /// <summary>Where the reader's offsets start in the body (a JSON Patch value is read on its own).</summary>
    private int _base;

    /// <summary>The next value is the walk's root: it takes <see cref="_rootState"/> rather than a step from its parent.</summary>
    private bool _atRoot;
    private int _rootState;
    private ulong _rootHash;
    private NameRef _rootStep;

    private NameRef _pending;
    private int _pendingUnescaped = -1;
    private byte[] _scratch = new byte[128];

    /// <summary>JSON Patch pointers, decoded: their segments' bytes.</summary>
    private byte[] _pointerBytes = [];
    private readonly List<(int Start, int Length, bool MaybeIndex)> _segments = [];

    /// <summary>Report entries already made, by a hash of their path and class (open addressing; 0 is empty).</summary>
    private readonly ulong[] _seen;

    private readonly WrittenFieldCache _fields;

    public WriteWalk(CompiledRules rules, CompiledEntity entity, RolePermissions permissions, bool mfaUsed, RecordOperation operation, bool replacesRecords,
        ReadOnlyMemory<byte> body, WriteLimits limits, WriteReport report, WrittenFieldCache fields)
    {
        _fields = fields;
        _rules = rules;
        _operation = operation;
        _entity = entity;
        _permissions = permissions;
        _mfaUsed = mfaUsed;
        _replacesRecords = replacesRecords;
        _body = body;
        _limits = limits;
        _report = report;
        _unclassified = rules.Classes.Count;
        _seen = new ulong[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(limits.MaxReportedFields, 8) * 2)];
    }

    private bool Refused => _report.Refusal is not null;

    public void Run(WriteBodyKind kind)
    {
        var span = _body.Span;
        if (!Utf8.IsValid(span))
        {
            NotJudgeable(WriteRefusals.MalformedJson, "The body is not valid UTF-8.");
            return;
        }
        try
        {
            if (kind == WriteBodyKind.JsonPatch)
            {
                RunPatch(span);
            }
            else
            {
                RunJson(span, kind == WriteBodyKind.MergePatch);
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            // The reader throws on malformed JSON; unescaping, on escapes that stand for no text (a lone surrogate).
            if (!Refused)
            {
                NotJudgeable(WriteRefusals.MalformedJson, "The body is not one well-formed JSON value (UTF-8, no comments, nothing after it).");
            }
        }
    }

    private void RunJson(ReadOnlySpan<byte> span, bool mergePatch)
    {
        var reader = new Utf8JsonReader(span, Options);
        if (!reader.Read())
        {
            NotJudgeable(WriteRefusals.MalformedJson, "The body holds no JSON value.");
            return;
        }
        // Without write_records the body is one record, or a list of them; a merge patch is always one.
        var paths = _entity.WriteAutomaton
            ?? (reader.TokenType == JsonTokenType.StartArray && !mergePatch ? _entity.ListAutomaton : _entity.RecordAutomaton);
        _frames[0] = new WriteFrame
        {
            Paths = paths, State = PathAutomaton.Root, Class = -1, Hash = HashSeed, Entity = _entity, Permission = _permissions.For(_entity), TypeValueStart = -1,
        };
        _depth = 1;
        (_atRoot, _rootState, _rootHash, _rootStep) = (true, PathAutomaton.Root, HashSeed, NameRef.Root);
        _base = 0;
        do
        {
            if (!Token(ref reader))
            {
                return;
            }
        }
        while (reader.Read());
    }

    /// <returns>False once the write is refused.</returns>
    private bool Token(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.PropertyName:
                return HoldName(ref reader);
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                return EnterContainer(ref reader);
            case JsonTokenType.EndObject or JsonTokenType.EndArray:
                _depth--;
                return true;
            default:
                return Primitive(ref reader);
        }
    }

    private bool HoldName(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        _pending = new NameRef(NameSource.Body, _base + (int)reader.TokenStartIndex + 1, raw.Length);
        _pendingUnescaped = -1;
        if (reader.ValueIsEscaped)
        {
            _scratch = Room(_scratch, raw.Length);
            _pendingUnescaped = reader.CopyString(_scratch);
        }
        ref var parent = ref _frames[_depth - 1];
        if (parent.MayBePatchOperation && IsPatchMember(PendingName))
        {
            parent.PatchMembers |= PendingName.Length == 2 ? 1 : 2;
            if (parent.PatchMembers == 3)
            {
                NotJudgeable(WriteRefusals.PatchAsJson, "The body is a list of JSON Patch operations sent as plain JSON; send it as application/json-patch+json so that it is judged as one.");
                return false;
            }
        }
        return true;
    }

    private static bool IsPatchMember(ReadOnlySpan<byte> name) => name.SequenceEqual("op"u8) || name.SequenceEqual("path"u8);

    private ReadOnlySpan<byte> PendingName =>
        _pendingUnescaped >= 0 ? _scratch.AsSpan(0, _pendingUnescaped) : NameBytes(_pending);

    private ReadOnlySpan<byte> NameBytes(NameRef name) => name.Source switch
    {
        NameSource.Body => _body.Span.Slice(name.Start, name.Length),
        NameSource.Pointer => _pointerBytes.AsSpan(name.Start, name.Length),
        _ => [],
    };

    /// <summary>The step into the next value: its path state, hash and how it is named. Counts it in its parent.</summary>
    private (int State, ulong Hash, NameRef Step) Step()
    {
        if (_atRoot)
        {
            _atRoot = false;
            return (_rootState, _rootHash, _rootStep);
        }
        ref var parent = ref _frames[_depth - 1];
        var index = parent.Count++;
        if (parent.IsArray)
        {
            return (parent.Paths.Next(parent.State, true, []), MixElement(parent.Hash), NameRef.Element(index));
        }
        var name = PendingName;
        return (parent.Paths.Next(parent.State, false, name), Mix(parent.Hash, name), _pending);
    }

    private bool EnterContainer(ref Utf8JsonReader reader)
    {
        var isArray = reader.TokenType == JsonTokenType.StartArray;
        var (state, hash, step) = Step();
        ref var parent = ref _frames[_depth - 1];
        var path = parent.Paths[state];
        var child = new WriteFrame
        {
            Paths = parent.Paths, State = state, Class = path.FieldClass >= 0 ? path.FieldClass : parent.Class, InRecord = parent.InRecord,
            IsArray = isArray, Hash = hash, Name = step, Entity = parent.Entity, Permission = parent.Permission, TypeValueStart = parent.TypeValueStart,
        };
        if (path.IsRecord)
        {
            if (isArray)
            {
                return NotARecord(step);
            }
            _report.Records++;
            child.InRecord = true;
            child.Class = -1;
            child.State = path.RecordRoot;
            child.MayBePatchOperation = _depth == 2 && parent.IsArray;
            if (parent.Entity.RecordTypePath.Count > 0 && !TypeRecord(ref reader, ref child, step))
            {
                return false;
            }
            if (_replacesRecords && !JudgeReplaced(child.Paths[child.State], _unclassified, hash, step, child.Permission, child.Entity))
            {
                return false;
            }
        }
        else if (child.InRecord)
        {
            // An array replaces what was there; an object is merged, so only a classified one writes its own class.
            if (isArray ? !JudgeReplaced(path, Effective(child.Class), hash, step, parent.Permission, parent.Entity)
                : child.Class >= 0 && !Judge(child.Class, hash, step, parent.Permission, parent.Entity))
            {
                return false;
            }
        }
        else if (child.Class >= 0 && !Judge(child.Class, hash, step, parent.Permission, parent.Entity))
        {
            // Outside records only a **.name selector classifies anything.
            return false;
        }
        return Push(child, step);
    }

    private bool Push(in WriteFrame frame, NameRef step)
    {
        if (_depth > _limits.MaxDepth)
        {
            NotJudgeable(WriteRefusals.TooDeep, $"The body nests deeper than {_limits.MaxDepth} levels (at {PathText(step, exact: true)}).");
            return false;
        }
        if (_depth == _frames.Length)
        {
            Array.Resize(ref _frames, _depth * 2);
        }
        _frames[_depth++] = frame;
        return true;
    }

    private bool Primitive(ref Utf8JsonReader reader)
    {
        var (state, hash, step) = Step();
        ref var parent = ref _frames[_depth - 1];
        var path = parent.Paths[state];
        if (reader.TokenType == JsonTokenType.String && reader.ValueIsEscaped)
        {
            // Unescaping checks what the escapes stand for (no lone surrogates), as the CRM's parser would.
            _scratch = Room(_scratch, reader.ValueSpan.Length);
            reader.CopyString(_scratch);
        }
        if (path.IsRecord)
        {
            return NotARecord(step);
        }
        var classIndex = path.FieldClass >= 0 ? path.FieldClass : parent.Class;
        if (!parent.InRecord)
        {
            return classIndex < 0 || Judge(classIndex, hash, step, parent.Permission, parent.Entity);
        }
        if (path.IsSubject && reader.TokenType is JsonTokenType.String or JsonTokenType.Number)
        {
            AddSubject(ref reader);
        }
        if (_base + (int)reader.TokenStartIndex == parent.TypeValueStart)
        {
            // A typed record's type chose its entity; it is not a field of that entity.
            return true;
        }
        return reader.TokenType == JsonTokenType.Null
            ? JudgeReplaced(path, Effective(classIndex), hash, step, parent.Permission, parent.Entity)
            : Judge(Effective(classIndex), hash, step, parent.Permission, parent.Entity);
    }

    private int Effective(int classIndex) => classIndex >= 0 ? classIndex : _unclassified;

    private void AddSubject(ref Utf8JsonReader reader)
    {
        if (_report.SubjectIds.Count >= _limits.MaxReportedSubjects)
        {
            return;
        }
        if (reader.ValueIsEscaped)
        {
            _scratch = Room(_scratch, reader.ValueSpan.Length);
            _report.SubjectIds.Add(_scratch.AsSpan(0, reader.CopyString(_scratch)));
        }
        else
        {
            _report.SubjectIds.Add(reader.ValueSpan);
        }
    }

    /// <summary>A value that replaces what was at its path: its own class, and every class a selector places below it.</summary>
    private bool JudgeReplaced(PathState path, int classIndex, ulong hash, NameRef step, EntityPermission permission, CompiledEntity entity)
    {
        if (!Judge(classIndex, hash, step, permission, entity))
        {
            return false;
        }
        foreach (var erased in path.Erasable)
        {
            if (erased != classIndex && !Judge(erased, hash, step, permission, entity))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Whether the role may write <paramref name="classIndex"/> here; records the field in the report.</summary>
    private bool Judge(int classIndex, ulong hash, NameRef step, EntityPermission permission, CompiledEntity entity)
    {
        var access = permission.AccessTo(classIndex);
        if (access == EntityPermission.NotWritable || (access == EntityPermission.WritableWithMfa && !_mfaUsed))
        {
            var path = PathText(step, exact: true);
            var className = ClassName(classIndex);
            _report.Refusal = access == EntityPermission.NotWritable
                ? new WriteRefusal(WriteRefusals.FieldNotWritable, $"{Who} may not write {className} fields of '{entity.Name}': the body writes {path} ({className}).")
                {
                    Path = path, Class = className, Entity = entity.Name,
                }
                : new WriteRefusal(WriteRefusals.MfaRequiredForWrite, $"Writing {className} fields of '{entity.Name}' ({path}) requires multi-factor authentication.")
                {
                    Path = path, Class = className, Entity = entity.Name,
                };
            Report(classIndex, hash, step);
            return false;
        }
        Report(classIndex, hash, step);
        return true;
    }

    private string Who => _permissions.Role switch
    {
        null => "The caller's roles",
        PermissionsCompiler.OtherCallers => "A caller without a listed role",
        var role => $"Role '{role}'",
    };

    private string ClassName(int classIndex) => classIndex < _rules.Classes.Count ? _rules.Classes[classIndex] : CompiledRules.Unclassified;

    /// <summary>Adds (path, class) to the report the first time it is met; the path's text is made only then.</summary>
    private void Report(int classIndex, ulong hash, NameRef step)
    {
        var key = (Mix64(hash ^ (ulong)(uint)classIndex) | 1);
        var mask = _seen.Length - 1;
        for (var slot = (int)(key & (ulong)mask); ; slot = (slot + 1) & mask)
        {
            if (_seen[slot] == key)
            {
                return;
            }
            if (_seen[slot] == 0)
            {
                if (!_fields.TryGet(key, out var field))
                {
                    field = new WrittenField(PathText(step, exact: false), ClassName(classIndex));
                    _fields.Add(key, field);
                }
                if (_report.TryAdd(field))
                {
                    _seen[slot] = key;
                }
                return;
            }
        }
    }

    /// <summary>
    /// A record of a collection whose records name their type (<c>record_type</c>): its type, found
    /// first, picks the entity whose fields and permission judge it. Missing, unknown or ambiguous
    /// types are refused: nobody could say what the record's fields are.
    /// </summary>
    private bool TypeRecord(ref Utf8JsonReader reader, ref WriteFrame record, NameRef step)
    {
        var names = record.Entity.RecordTypePath;
        var ignoreCase = record.Entity.CaseInsensitive;
        var scan = reader;
        var depth = scan.CurrentDepth;
        var matched = 0;
        var typeStart = -1;
        string? type = null;
        while (scan.Read() && !(scan.CurrentDepth == depth && scan.TokenType == JsonTokenType.EndObject))
        {
            if (scan.TokenType is JsonTokenType.EndObject)
            {
                matched = scan.CurrentDepth - depth - 1;
                continue;
            }
            var level = scan.CurrentDepth - depth;
            var isStep = level - 1 == matched && NameIs(ref scan, names[level - 1], ignoreCase);
            scan.Read();
            if (isStep && level == names.Count)
            {
                if (scan.TokenType != JsonTokenType.String)
                {
                    return RecordTypeRefused(WriteRefusals.RecordTypeMissing, step, $"is not a string");
                }
                var found = scan.GetString()!;
                if (type is not null && !string.Equals(type, found, StringComparison.Ordinal))
                {
                    return RecordTypeRefused(WriteRefusals.RecordTypeAmbiguous, step, "is given twice, differently");
                }
                (type, typeStart) = (found, _base + (int)scan.TokenStartIndex);
            }
            else if (isStep && scan.TokenType == JsonTokenType.StartObject)
            {
                matched = level;
            }
            else if (scan.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                scan.Skip();
            }
        }
        if (type is null)
        {
            return RecordTypeRefused(WriteRefusals.RecordTypeMissing, step, "is missing");
        }
        if (_rules.EntityForRecordType(type) is not { } entity)
        {
            return RecordTypeRefused(WriteRefusals.RecordTypeUnknown, step, $"'{type}' is a type no entity's record_types lists");
        }
        var permission = _permissions.For(entity);
        if (!permission.Allows(_operation))
        {
            _report.Refusal = new WriteRefusal(WriteRefusals.OperationNotAllowed, $"{Who} may not {_operation.Name()} '{entity.Name}' (record {PathText(step, exact: true)}).")
            {
                Entity = entity.Name,
            };
            return false;
        }
        record.Paths = entity.RecordAutomaton;
        record.State = entity.RecordAutomaton[PathAutomaton.Root].RecordRoot;
        record.Entity = entity;
        record.Permission = permission;
        record.TypeValueStart = typeStart;
        return true;
    }

    private bool RecordTypeRefused(string reason, NameRef step, string what)
    {
        NotJudgeable(reason, $"The type of record {PathText(step, exact: true)} ({string.Join('.', ["$", .. _entity.RecordTypePath])}) {what}.");
        return false;
    }

    private bool NameIs(ref Utf8JsonReader reader, string expected, bool ignoreCase)
    {
        var name = reader.ValueSpan;
        if (reader.ValueIsEscaped)
        {
            _scratch = Room(_scratch, name.Length);
            name = _scratch.AsSpan(0, reader.CopyString(_scratch));
        }
        if (Ascii.IsValid(expected) && Ascii.IsValid(name))
        {
            return ignoreCase ? Ascii.EqualsIgnoreCase(name, expected) : Ascii.Equals(name, expected);
        }
        return string.Equals(Encoding.UTF8.GetString(name), expected, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }

    private bool NotARecord(NameRef step)
    {
        NotJudgeable(WriteRefusals.NotARecord, $"{PathText(step, exact: true)} is where a record goes, and is not an object.");
        return false;
    }

    private void NotJudgeable(string reason, string detail) => _report.Refusal = WriteRefusals.NotJudgeable(reason, detail);

    // ---- JSON Patch (RFC 6902) ----

    private void RunPatch(ReadOnlySpan<byte> span)
    {
        var reader = new Utf8JsonReader(span, Options);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            NotJudgeable(WriteRefusals.MalformedPatch, "A JSON Patch document is an array of operations.");
            return;
        }
        _report.Records = 1;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                continue;
            }
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                NotJudgeable(WriteRefusals.MalformedPatch, "Each JSON Patch operation is an object.");
                return;
            }
            if (!Operation(ref reader, span))
            {
                return;
            }
        }
    }

    private bool Operation(ref Utf8JsonReader reader, ReadOnlySpan<byte> span)
    {
        Span<(int Start, int Length, bool Escaped)> members = [(-1, 0, false), (-1, 0, false), (-1, 0, false), (-1, 0, false)];
        const int Op = 0, PathMember = 1, From = 2, Value = 3;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var member = MemberIndex(ref reader);
            reader.Read();
            if (member is >= Op and <= From && reader.TokenType != JsonTokenType.String)
            {
                NotJudgeable(WriteRefusals.MalformedPatch, "A JSON Patch operation's op, path and from are strings.");
                return false;
            }
            if (member >= 0 && members[member].Start >= 0)
            {
                NotJudgeable(WriteRefusals.DuplicateKeyConflict, "A JSON Patch operation names op, path, from or value twice; parsers disagree on which one counts.");
                return false;
            }
            if (member == Value)
            {
                var start = (int)reader.TokenStartIndex;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
                members[Value] = (start, (int)reader.BytesConsumed - start, false);
            }
            else if (member >= 0)
            {
                members[member] = ((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length, reader.ValueIsEscaped);
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }
        var op = members[Op].Start < 0 ? "" : Decode(span, members[Op]);
        var needsFrom = op is "move" or "copy";
        var needsValue = op is "add" or "replace" or "test";
        if (op is not ("add" or "remove" or "replace" or "move" or "copy" or "test") || members[PathMember].Start < 0
            || (needsFrom && members[From].Start < 0) || (needsValue && members[Value].Start < 0))
        {
            NotJudgeable(WriteRefusals.MalformedPatch,
                "Each JSON Patch operation has an op (add, remove, replace, move, copy, test), a path, a from for move and copy, and a value for add, replace and test.");
            return false;
        }
        // Every operation but test changes its path; test is judged the same, since its answer
        // would tell a caller whether a value it may not write is what it guesses.
        if (needsFrom && !Target(span, members[From], -1, 0))
        {
            return false;
        }
        return Target(span, members[PathMember], op is "add" or "replace" ? members[Value].Start : -1, members[Value].Length);
    }

    private static int MemberIndex(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            var name = reader.GetString();
            return name switch { "op" => 0, "path" => 1, "from" => 2, "value" => 3, _ => -1 };
        }
        var raw = reader.ValueSpan;
        return raw.SequenceEqual("op"u8) ? 0 : raw.SequenceEqual("path"u8) ? 1 : raw.SequenceEqual("from"u8) ? 2 : raw.SequenceEqual("value"u8) ? 3 : -1;
    }

    private string Decode(ReadOnlySpan<byte> span, (int Start, int Length, bool Escaped) member)
    {
        var raw = span.Slice(member.Start, member.Length);
        if (!member.Escaped)
        {
            return Encoding.UTF8.GetString(raw);
        }
        var reader = new Utf8JsonReader(span.Slice(member.Start - 1, member.Length + 2));
        reader.Read();
        return reader.GetString()!;
    }

    /// <summary>
    /// A pointer's target: its class and every class below it are written; so is <paramref name="valueLength"/>
    /// bytes of value at <paramref name="valueStart"/>, walked as a value written there. A numeric
    /// segment may be an array index or a property name: each reading is judged.
    /// </summary>
    private bool Target(ReadOnlySpan<byte> span, (int Start, int Length, bool Escaped) member, int valueStart, int valueLength)
    {
        if (!ParsePointer(span, member))
        {
            return false;
        }
        var ambiguous = 0;
        foreach (var segment in _segments)
        {
            ambiguous += segment.MaybeIndex ? 1 : 0;
        }
        if (ambiguous > MaxAmbiguousSegments)
        {
            NotJudgeable(WriteRefusals.MalformedPatch, $"A JSON Patch pointer has more than {MaxAmbiguousSegments} numeric segments.");
            return false;
        }
        if (_segments.Count + 1 > _limits.MaxDepth)
        {
            NotJudgeable(WriteRefusals.TooDeep, $"A JSON Patch pointer is deeper than {_limits.MaxDepth} levels.");
            return false;
        }
        Span<(int State, int Class)> judged = stackalloc (int, int)[1 << MaxAmbiguousSegments];
        var judgedCount = 0;
        for (var reading = 0; reading < 1 << ambiguous; reading++)
        {
            var (state, classIndex, hash, step) = Resolve(reading);
            if (judged[..judgedCount].Contains((state, classIndex)))
            {
                continue;
            }
            judged[judgedCount++] = (state, classIndex);
            ref var parent = ref _frames[_depth - 1];
            var path = parent.Paths[state];
            var written = _segments.Count == 0 ? _unclassified : Effective(path.FieldClass >= 0 ? path.FieldClass : classIndex);
            if (!JudgeReplaced(path.IsRecord ? parent.Paths[path.RecordRoot] : path, written, hash, step, parent.Permission, _entity))
            {
                return false;
            }
            if (valueStart >= 0 && !WalkValue(span, valueStart, valueLength, state, hash, step))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Sets up the frames down to a pointer's parent for one reading of its numeric segments (bit i
    /// of <paramref name="reading"/>: the i-th numeric segment is an array index), and returns the
    /// target's state, the class inherited from its parents, its hash and step.
    /// </summary>
    private (int State, int InheritedClass, ulong Hash, NameRef Step) Resolve(int reading)
    {
        var paths = _entity.RecordAutomaton;
        _frames[0] = new WriteFrame
        {
            Paths = paths, State = PathAutomaton.Root, Class = -1, Hash = HashSeed, Entity = _entity, Permission = _permissions.For(_entity), TypeValueStart = -1,
        };
        _depth = 1;
        if (_segments.Count == 0)
        {
            return (PathAutomaton.Root, -1, HashSeed, NameRef.Root);
        }
        _frames[1] = _frames[0] with { State = paths[PathAutomaton.Root].RecordRoot, InRecord = true, Name = NameRef.Root };
        _depth = 2;
        var ambiguousIndex = 0;
        for (var i = 0; ; i++)
        {
            var (start, length, maybeIndex) = _segments[i];
            var isElement = maybeIndex && (reading & (1 << ambiguousIndex++)) != 0;
            ref var parent = ref _frames[_depth - 1];
            parent.IsArray = isElement;
            var name = _pointerBytes.AsSpan(start, length);
            var state = paths.Next(parent.State, isElement, name);
            var hash = isElement ? MixElement(parent.Hash) : Mix(parent.Hash, name);
            var step = isElement ? NameRef.Element(length == 1 && name[0] == '-' ? -1 : ParseIndex(name)) : new NameRef(NameSource.Pointer, start, length);
            if (i == _segments.Count - 1)
            {
                return (state, parent.Class, hash, step);
            }
            var path = paths[state];
            var frame = parent with { State = state, Class = path.FieldClass >= 0 ? path.FieldClass : parent.Class, Hash = hash, Name = step, IsArray = false };
            if (_depth == _frames.Length)
            {
                Array.Resize(ref _frames, _depth * 2);
            }
            _frames[_depth++] = frame;
        }
    }

    private static int ParseIndex(ReadOnlySpan<byte> digits)
    {
        var value = 0L;
        foreach (var digit in digits)
        {
            value = Math.Min((value * 10) + (digit - '0'), int.MaxValue);
        }
        return (int)value;
    }

    /// <summary>A JSON Patch value, walked as written at the target just resolved (the frames above it are in place).</summary>
    private bool WalkValue(ReadOnlySpan<byte> span, int start, int length, int state, ulong hash, NameRef step)
    {
        var reader = new Utf8JsonReader(span.Slice(start, length), Options);
        (_atRoot, _rootState, _rootHash, _rootStep, _base) = (true, state, hash, step, start);
        var floor = _depth;
        try
        {
            while (reader.Read())
            {
                if (!Token(ref reader))
                {
                    return false;
                }
            }
            return true;
        }
        finally
        {
            (_depth, _base, _atRoot) = (floor, 0, false);
        }
    }

    /// <summary>Decodes a JSON Pointer (RFC 6901): segments after each <c>/</c>, <c>~1</c> for <c>/</c> and <c>~0</c> for <c>~</c>.</summary>
    private bool ParsePointer(ReadOnlySpan<byte> span, (int Start, int Length, bool Escaped) member)
    {
        _segments.Clear();
        var text = member.Escaped ? Encoding.UTF8.GetBytes(Decode(span, member)) : span.Slice(member.Start, member.Length);
        if (text.IsEmpty)
        {
            return true;
        }
        if (text[0] != '/')
        {
            NotJudgeable(WriteRefusals.MalformedPatch, "A JSON Patch path or from is empty or starts with /.");
            return false;
        }
        _pointerBytes = Room(_pointerBytes, text.Length);
        var written = 0;
        var segmentStart = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == '/')
            {
                var segment = _pointerBytes.AsSpan(segmentStart, written - segmentStart);
                _segments.Add((segmentStart, segment.Length, IsIndex(segment)));
                segmentStart = written;
                continue;
            }
            if (text[i] == '~')
            {
                if (i + 1 == text.Length || text[i + 1] is not ((byte)'0' or (byte)'1'))
                {
                    NotJudgeable(WriteRefusals.MalformedPatch, "A JSON Patch pointer has a ~ that is not ~0 or ~1.");
                    return false;
                }
                _pointerBytes[written++] = text[++i] == '0' ? (byte)'~' : (byte)'/';
                continue;
            }
            _pointerBytes[written++] = text[i];
        }
        return true;
    }

    /// <summary>RFC 6901 array indexes: <c>0</c>, digits without a leading zero, or <c>-</c> (past the end).</summary>
    private static bool IsIndex(ReadOnlySpan<byte> segment) =>
        (segment.Length == 1 && segment[0] == '-')
        || (segment.Length > 0 && !segment.ContainsAnyExceptInRange((byte)'0', (byte)'9') && (segment.Length == 1 || segment[0] != '0'));

    // ---- paths and hashes ----

    /// <summary>The path of the value at <paramref name="step"/> below the current frame: <c>$.phones[*].number</c>, or with indexes when <paramref name="exact"/>.</summary>
    private string PathText(NameRef step, bool exact)
    {
        var text = new StringBuilder("$");
        for (var i = 1; i < _depth; i++)
        {
            Append(text, _frames[i].Name, exact);
        }
        Append(text, step, exact);
        return text.ToString();
    }

    private void Append(StringBuilder text, NameRef name, bool exact)
    {
        switch (name.Source)
        {
            case NameSource.Root:
                return;
            case NameSource.Element:
                text.Append(!exact ? "[*]" : name.Start < 0 ? "[-]" : $"[{name.Start}]");
                return;
        }
        var value = name.Source == NameSource.Body ? BodyName(name) : Encoding.UTF8.GetString(NameBytes(name));
        if (value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '@' or '$'))
        {
            text.Append('.').Append(value);
        }
        else
        {
            text.Append("['").Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)).Append("']");
        }
    }

    /// <summary>A property name of the body, unescaped (its quotes are around it in the body).</summary>
    private string BodyName(NameRef name)
    {
        var reader = new Utf8JsonReader(_body.Span.Slice(name.Start - 1, name.Length + 2));
        reader.Read();
        return reader.GetString()!;
    }

    private static ulong MixElement(ulong parent) => Mix64(parent ^ 0x9E3779B97F4A7C15UL);

    /// <summary>A fast 64-bit hash of a path step (not a cryptographic one: the seed is secret per process).</summary>
    private static ulong Mix(ulong parent, ReadOnlySpan<byte> name)
    {
        var hash = parent ^ ((ulong)name.Length * 0xC2B2AE3D27D4EB4FUL);
        while (name.Length >= 8)
        {
            hash = Mix64(hash ^ BinaryPrimitives.ReadUInt64LittleEndian(name));
            name = name[8..];
        }
        if (!name.IsEmpty)
        {
            ulong tail = 0;
            for (var i = 0; i < name.Length; i++)
            {
                tail |= (ulong)name[i] << (8 * i);
            }
            hash = Mix64(hash ^ tail ^ 0xFF);
        }
        return Mix64(hash);
    }

    private static ulong Mix64(ulong value)
    {
        value = (value ^ (value >> 33)) * 0xFF51AFD7ED558CCDUL;
        return value ^ (value >> 29);
    }

    private static byte[] Room(byte[] buffer, int needed) =>
        buffer.Length >= needed ? buffer : new byte[Math.Max(needed, Math.Max(128, buffer.Length * 2))];
}

internal enum NameSource : byte
{
    Root,
    Element,
    Body,
    Pointer,
}

/// <summary>How a value is reached from its parent: an array element (its index in <see cref="Start"/>, -1 for JSON Patch's <c>-</c>) or a name's bytes in the body or in a decoded pointer.</summary>
internal readonly record struct NameRef(NameSource Source, int Start, int Length)
{
    public static readonly NameRef Root = new(NameSource.Root, 0, 0);

    public static NameRef Element(int index) => new(NameSource.Element, index, 0);
}

/// <summary>One container of a write body: a value type in a reused array, so a large body costs nothing per object.</summary>
internal struct WriteFrame
{
    public PathAutomaton Paths;
    public int State;

    /// <summary>The class a selector gives this container (or one above it, inside the record), or -1.</summary>
    public int Class;

    public bool InRecord;
    public bool IsArray;

    /// <summary>Members or elements met so far (the index of the next element).</summary>
    public int Count;

    /// <summary>Of the path with array positions as <c>[*]</c>.</summary>
    public ulong Hash;

    public NameRef Name;

    /// <summary>The entity whose fields and permission judge this container (a typed record's own).</summary>
    public CompiledEntity Entity;

    public EntityPermission Permission;

    /// <summary>In a typed record: where its type's value starts in the body (not a field write); -1 otherwise.</summary>
    public int TypeValueStart;

    /// <summary>A record that is an element of the body's root array: it must not look like a JSON Patch operation.</summary>
    public bool MayBePatchOperation;

    /// <summary>Bit 1: an <c>op</c> member seen; bit 2: a <c>path</c> member.</summary>
    public int PatchMembers;
}
