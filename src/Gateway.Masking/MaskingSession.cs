using System.Text.Json;
using System.Text.Unicode;
using Gateway.Masking.Actions;
using Gateway.Masking.Rules;

namespace Gateway.Masking;

/// <summary>
/// The state of masking one body, carried from buffer to buffer: the path (as one automaton
/// state per level), held-back property names, and the report. Tokens that stay go out as the
/// bytes that came in (<see cref="MaskedOutput"/>) and masks write only their own values;
/// separators are decided here, so a removed field leaves no trace. A property name is written
/// only once its value is known to stay.
/// </summary>
internal sealed class MaskingSession
{
    private readonly CompiledEntity _entity;
    private readonly MaskingView _view;
    private readonly ValueMask[] _masks;

    /// <summary>The mask for record fields no selector classifies, counted after the classes (at index <see cref="_unclassifiedIndex"/>).</summary>
    private readonly ValueMask _unclassifiedMask;
    private readonly int _unclassifiedIndex;
    private readonly MaskingLimits _limits;
    private readonly PathAutomaton _paths;
    private readonly RecordHold? _hold;
    private readonly ChangeTrail? _trail;
    private readonly bool _lines;
    private readonly int[] _maskedCounts;
    private readonly int[] _clearCounts;
    private readonly IReadOnlyList<string?> _clearKeys;
    private readonly SubjectIdList _subjects = new();
    private Frame[] _frames = new Frame[8];
    private int _depth;
    private readonly MaskedOutput _out = new();

    /// <summary>
    /// The held property name as it came (between its quotes, escapes and all): its length, and
    /// where its token (quotes to colon) sits in the current input. Only when the input moves on
    /// before its value comes is it copied to <see cref="_pendingName"/> (start -1 then).
    /// </summary>
    private int _pendingNameLength = -1;
    private int _pendingNameStart = -1;
    private int _pendingNameEnd;
    private byte[] _pendingName = [];
    private byte[] _pendingUnescaped = [];
    private int _pendingUnescapedLength = -1;
    private byte[] _scratch = [];
    private int _suppressed;
    private int _recordCount;
    private bool _rootSeen;

    /// <param name="lines">NDJSON: each root value is ended by a newline.</param>
    /// <param name="hold">When records wait for a gate's verdict: told where records, subjects, consent fields and counts are.</param>
    /// <param name="trail">A preview's record of every value changed, with its place; null on the proxy path.</param>
    public MaskingSession(CompiledEntity entity, MaskingView view, MaskingLimits limits, bool lines = false, RecordHold? hold = null, ChangeTrail? trail = null)
    {
        _hold = hold;
        _trail = trail;
        _lines = lines;
        _entity = entity;
        _view = view;
        // Views are built with arrays; the session only reads it.
        _masks = view.Masks as ValueMask[] ?? [.. view.Masks];
        _unclassifiedMask = view.UnclassifiedMask;
        _unclassifiedIndex = view.Masks.Count;
        _limits = limits;
        _paths = entity.Automaton;
        _maskedCounts = new int[view.CountKeys.Count];
        _clearKeys = view.ClearKeys;
        _clearCounts = new int[_clearKeys.Count];
        // The body's root sits below a frame that is always on the stack.
        _frames[0] = new Frame { ClassIndex = -1 };
        _depth = 1;
    }

    /// <summary>The last <see cref="Process"/> stopped early because held records are due for a decision; the rest of its data is still to be read.</summary>
    public bool Paused { get; private set; }

    /// <summary>Reads every complete token in <paramref name="data"/> (or up to a pause) and writes the masked JSON to <paramref name="output"/>; returns how many bytes were consumed.</summary>
    public int Process(ReadOnlyMemory<byte> input, bool final, ref JsonReaderState state, PooledBufferWriter output)
    {
        var data = input.Span;
        if (final && !_rootSeen && !_lines && data.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new MaskingException("empty_body", "The body holds no JSON value.");
        }
        _out.Begin(input, output);
        var reader = new Utf8JsonReader(data, final, state);
        try
        {
            Paused = false;
            while (reader.Read())
            {
                Handle(ref reader);
                if (_hold is not null && reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray && _hold.DueForRelease(_out.Position))
                {
                    // Right after a record is the one place a batch can be decided; waiting for a
                    // read to end exactly there could hold a whole body.
                    Paused = true;
                    break;
                }
            }
        }
        catch (JsonException ex)
        {
            throw new MaskingException("invalid_json", $"The body is not valid JSON at byte {reader.BytesConsumed}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            throw new MaskingException("invalid_json", "The body holds a value that is not valid UTF-8 JSON.", ex);
        }
        // Tokens are copied as they came, so the bytes read are checked here, once, as a writer would check each value.
        if (!Utf8.IsValid(data[..(int)reader.BytesConsumed]))
        {
            throw new MaskingException("invalid_json", "The body is not valid UTF-8.");
        }
        // The input moves before the next call: what is still to be written of it goes now, and a held name is kept.
        _out.Flush();
        if (_pendingNameLength >= 0 && _pendingNameStart >= 0)
        {
            _pendingName = Room(_pendingName, _pendingNameLength);
            RawPendingName.CopyTo(_pendingName);
        }
        _pendingNameStart = -1;
        state = reader.CurrentState;
        return (int)reader.BytesConsumed;
    }

    /// <summary>At the end of the body: it must have held exactly one complete value (NDJSON: any number, each ended by a newline).</summary>
    public void Finish(int unconsumed)
    {
        if ((!_rootSeen && !_lines) || _depth != 1 || _suppressed > 0 || unconsumed > 0)
        {
            throw new MaskingException(_rootSeen ? "truncated_json" : "empty_body", _rootSeen ? "The body ends inside a JSON value." : "The body holds no JSON value.");
        }
        if (_rootSeen)
        {
            NewLine();
        }
    }

    /// <summary>NDJSON: ends the line of the value just written.</summary>
    private void NewLine()
    {
        if (_lines)
        {
            _out.Literal((byte)'\n');
        }
    }

    public MaskingReport Report(string rulesVersion)
    {
        var counted = 0;
        foreach (var count in _maskedCounts)
        {
            counted += count > 0 ? 1 : 0;
        }
        var masked = new Dictionary<string, int>(counted, StringComparer.Ordinal);
        for (var i = 0; i < _maskedCounts.Length; i++)
        {
            if (_maskedCounts[i] > 0)
            {
                masked[_view.CountKeys[i]] = _maskedCounts[i];
            }
        }
        var report = new MaskingReport(rulesVersion, _entity.Name, _recordCount, _subjects, masked);
        return _clearCounts.AsSpan().ContainsAnyExcept(0) ? report with { ClearHighSensitivity = ClearCounts() } : report;
    }

    /// <summary>Made only for a body that let such values out (most let none).</summary>
    private Dictionary<string, int> ClearCounts()
    {
        var clear = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _clearCounts.Length; i++)
        {
            if (_clearCounts[i] > 0)
            {
                clear[_clearKeys[i]!] = _clearCounts[i];
            }
        }
        return clear;
    }

    private void Handle(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.PropertyName:
                if (_suppressed == 0)
                {
                    HoldName(ref reader);
                }
                return;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                if (_suppressed > 0)
                {
                    _suppressed++;
                    CheckDepth();
                    return;
                }
                StartContainer(reader.TokenType == JsonTokenType.StartArray, (int)reader.TokenStartIndex);
                return;
            case JsonTokenType.EndObject or JsonTokenType.EndArray:
                if (_suppressed > 0)
                {
                    _suppressed--;
                    return;
                }
                var closed = _frames[--_depth];
                _trail?.Close();
                _out.Input((int)reader.TokenStartIndex, (int)reader.BytesConsumed);
                if (closed.IsRecordRoot)
                {
                    _hold?.RecordEnded(_out.Position);
                }
                return;
            default:
                if (_suppressed == 0)
                {
                    Primitive(ref reader);
                }
                return;
        }
    }

    private void StartContainer(bool isArray, int start)
    {
        var child = Enter(isContainer: true, out _);
        var classIndex = child.ClassIndex;
        if (classIndex >= 0 && _masks[classIndex].Removes)
        {
            Count(classIndex);
            _trail?.Changed(classIndex, removed: true);
            _pendingNameLength = -1;
            _suppressed = 1;
            CheckDepth();
            WriteNullIfRoot();
            return;
        }
        if (_hold is not null)
        {
            if (classIndex >= 0)
            {
                _hold.ClassifiedFound();
            }
            if (child.IsRecordRoot)
            {
                _hold.RecordStarted(_out.Position, single: _depth == 1);
            }
        }
        StartMember(start);
        _out.Input(start, start + 1);
        child.IsArray = isArray;
        if (_depth == _frames.Length)
        {
            Array.Resize(ref _frames, _depth * 2);
        }
        _frames[_depth++] = child;
        _trail?.Open(isArray);
        CheckDepth();
    }

    private void Primitive(ref Utf8JsonReader reader)
    {
        var context = Enter(isContainer: false, out var path);
        var classIndex = context.ClassIndex;
        if (path.IsSubject)
        {
            var subject = Scalar(ref reader);
            if (_hold is not null)
            {
                var key = _hold.Key(subject.Utf8);
                _hold.SubjectFound(key);
                if (_subjects.Count < _limits.MaxReportedSubjects)
                {
                    _subjects.Add(key);
                }
            }
            else if (_subjects.Count < _limits.MaxReportedSubjects)
            {
                _subjects.Add(subject.Utf8);
            }
        }
        if (_hold is not null)
        {
            Observe(ref reader, path, classIndex);
        }
        var (mask, counted) = classIndex >= 0 ? (_masks[classIndex], classIndex)
            : context.InRecord ? (_unclassifiedMask, _unclassifiedIndex)
            : (null, -1);
        if (mask is { Removes: true })
        {
            Count(counted);
            _trail?.Changed(counted, removed: true);
            _pendingNameLength = -1;
            WriteNullIfRoot();
            return;
        }
        StartMember((int)reader.TokenStartIndex);
        if (mask is null || mask.Copies)
        {
            if (classIndex >= 0 && _clearKeys[classIndex] is not null)
            {
                _clearCounts[classIndex]++;
                _hold?.ClearHighFound();
            }
            var start = _hold is not null && reader.TokenType == JsonTokenType.Number && path.IsTotal ? _out.Position : -1;
            Copy(ref reader);
            if (start >= 0)
            {
                // Only a count that leaves unmasked is corrected: a masked one says nothing to correct.
                _hold!.TotalFound(start, _out.Position, reader.ValueSpan);
            }
            return;
        }
        Count(counted);
        _trail?.Changed(counted, removed: false);
        mask.Write(_out.Values(), Scalar(ref reader));
    }

    /// <summary>Tells the hold what this value says about its record: classified data, or the subject's own consent.</summary>
    private void Observe(ref Utf8JsonReader reader, PathState path, int classIndex)
    {
        if (classIndex >= 0)
        {
            _hold!.ClassifiedFound();
        }
        if (path.ConsentField >= 0)
        {
            _hold!.ConsentFieldFound(_entity.ConsentFields[path.ConsentField], Scalar(ref reader));
        }
    }

    /// <summary>The path state, record-ness and class of the value about to be read, one step below the current frame.</summary>
    private Frame Enter(bool isContainer, out PathState path)
    {
        ref readonly var parent = ref _frames[_depth - 1];
        int state;
        if (_depth == 1)
        {
            if (_rootSeen)
            {
                NewLine();
            }
            _rootSeen = true;
            state = PathAutomaton.Root;
        }
        else
        {
            state = _paths.Next(parent.State, parent.IsArray, PendingName);
        }
        _trail?.Enter(_depth == 1 ? [] : PendingName);
        path = _paths[state];
        var child = new Frame { State = state, InRecord = parent.InRecord, ClassIndex = path.FieldClass >= 0 ? path.FieldClass : parent.ClassIndex };
        if (path.IsRecord)
        {
            _recordCount++;
            child.InRecord = true;
            if (isContainer)
            {
                // Inside a record, field selectors start again from the record's own root ($).
                child.IsRecordRoot = true;
                child.State = path.RecordRoot;
            }
        }
        return child;
    }

    /// <summary>A property or element can disappear; the body's root value cannot, so it becomes null.</summary>
    private void WriteNullIfRoot()
    {
        if (_depth == 1)
        {
            _out.Literal("null"u8);
        }
    }

    /// <summary>The held property name, unescaped: what selectors compare.</summary>
    private ReadOnlySpan<byte> PendingName =>
        _pendingUnescapedLength >= 0 ? _pendingUnescaped.AsSpan(0, _pendingUnescapedLength) : RawPendingName;

    private ReadOnlySpan<byte> RawPendingName =>
        _pendingNameLength < 0 ? []
        : _pendingNameStart >= 0 ? _out.InputBytes(_pendingNameStart + 1, _pendingNameLength)
        : _pendingName.AsSpan(0, _pendingNameLength);

    private void HoldName(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        _pendingNameLength = raw.Length;
        (_pendingNameStart, _pendingNameEnd) = ((int)reader.TokenStartIndex, (int)reader.BytesConsumed);
        _pendingUnescapedLength = -1;
        if (reader.ValueIsEscaped)
        {
            _pendingUnescaped = Room(_pendingUnescaped, raw.Length);
            _pendingUnescapedLength = reader.CopyString(_pendingUnescaped);
        }
    }

    /// <summary>
    /// Before a value that stays (its first token starts at input offset <paramref name="start"/>):
    /// the separator, when its container already holds a member, and the held name with its
    /// colon, when it is a property.
    /// </summary>
    private void StartMember(int start)
    {
        if (_depth == 1)
        {
            return;
        }
        ref var parent = ref _frames[_depth - 1];
        var comma = parent.HasMembers;
        parent.HasMembers = true;
        if (_pendingNameLength < 0)
        {
            _out.Separator(comma, start);
            return;
        }
        if (_pendingNameStart >= 0)
        {
            _out.Separator(comma, _pendingNameStart);
            if (_pendingNameEnd - _pendingNameStart == _pendingNameLength + 3)
            {
                _out.Input(_pendingNameStart, _pendingNameEnd);
            }
            else
            {
                _out.Name(RawPendingName);
            }
        }
        else
        {
            if (comma)
            {
                _out.Literal((byte)',');
            }
            _out.Name(RawPendingName);
        }
        _pendingNameLength = -1;
    }

    /// <summary>A value that stays as it is goes out as it came in, escapes and all (<see cref="Process"/> checks the UTF-8).</summary>
    private void Copy(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String && reader.ValueIsEscaped)
        {
            // Unescaping checks what the escapes stand for (no lone surrogates).
            Scalar(ref reader);
        }
        _out.Input((int)reader.TokenStartIndex, (int)reader.BytesConsumed);
    }

    /// <summary>The current primitive, unescaped into a reused scratch buffer only when it carries escapes.</summary>
    private JsonScalar Scalar(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String when reader.ValueIsEscaped:
                _scratch = Room(_scratch, reader.ValueSpan.Length);
                return new JsonScalar(JsonScalarKind.String, _scratch.AsSpan(0, reader.CopyString(_scratch)));
            case JsonTokenType.String:
                return new JsonScalar(JsonScalarKind.String, reader.ValueSpan);
            case JsonTokenType.Number:
                return new JsonScalar(JsonScalarKind.Number, reader.ValueSpan);
            case JsonTokenType.True:
                return new JsonScalar(JsonScalarKind.True, "true"u8);
            case JsonTokenType.False:
                return new JsonScalar(JsonScalarKind.False, "false"u8);
            default:
                return new JsonScalar(JsonScalarKind.Null, "null"u8);
        }
    }

    /// <summary>Scratch buffers are made only when a body needs them (most never do), then reused.</summary>
    private static byte[] Room(byte[] buffer, int needed) =>
        buffer.Length >= needed ? buffer : new byte[Math.Max(needed, Math.Max(256, buffer.Length * 2))];

    private void Count(int index)
    {
        if (index >= 0)
        {
            _maskedCounts[index]++;
        }
    }

    private void CheckDepth()
    {
        if (_depth - 1 + _suppressed > _limits.MaxDepth)
        {
            throw new MaskingException("too_deep", $"The body nests deeper than {_limits.MaxDepth} levels.");
        }
    }
}

/// <summary>One level of the body being masked: a value type in a reused array, so walking a large body allocates nothing per object.</summary>
internal struct Frame
{
    /// <summary>The <see cref="PathAutomaton"/> state of this container's path.</summary>
    public int State;

    /// <summary>This container is a record (so its end is a record's end).</summary>
    public bool IsRecordRoot;

    /// <summary>A member has been written, so the next needs a separator.</summary>
    public bool HasMembers;

    public bool IsArray;

    public bool InRecord;

    public int ClassIndex;
}
