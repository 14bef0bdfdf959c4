using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Core.Masking.Actions;
using Gateway.Core.Rules;

namespace Gateway.Core.Masking;

/// <summary>
/// The state of masking one body, carried from buffer to buffer: the path (as one automaton
/// state per level), held-back property names, and the report. A property name is written only once its
/// value is known to stay, so a removed field leaves no trace.
/// </summary>
internal sealed class MaskingSession
{
    private readonly CompiledEntity _entity;
    private readonly MaskingView _view;
    private readonly IReadOnlyList<string> _classes;
    private readonly MaskingLimits _limits;
    private readonly PathAutomaton _paths;
    private readonly RecordHold? _hold;
    private Frame[] _frames = new Frame[16];
    private int _depth;
    private readonly int[] _maskedCounts;
    private readonly List<string> _subjects = [];
    private byte[] _pendingName = new byte[256];
    private byte[] _scratch = new byte[256];
    private readonly IBufferWriter<byte>? _lines;
    private int _pendingNameLength = -1;
    private int _suppressed;
    private int _recordCount;
    private bool _rootSeen;

    /// <param name="lines">For NDJSON: where a newline goes after each root value (null for a single JSON value).</param>
    /// <param name="hold">When records wait for a gate's verdict: told where records, subjects, consent fields and counts are.</param>
    public MaskingSession(CompiledEntity entity, MaskingView view, IReadOnlyList<string> classes, MaskingLimits limits, IBufferWriter<byte>? lines = null, RecordHold? hold = null)
    {
        _hold = hold;
        _lines = lines;
        _entity = entity;
        _view = view;
        _classes = classes;
        _limits = limits;
        _paths = entity.Automaton;
        _maskedCounts = new int[classes.Count + 1];
        // The body's root sits below a frame that is always on the stack.
        _frames[0] = new Frame { ClassIndex = -1 };
        _depth = 1;
    }

    /// <summary>The last <see cref="Process"/> stopped early because held records are due for a decision; the rest of its data is still to be read.</summary>
    public bool Paused { get; private set; }

    /// <summary>Reads every complete token in <paramref name="data"/> (or up to a pause); returns how many bytes were consumed.</summary>
    public int Process(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state, Utf8JsonWriter writer)
    {
        if (final && !_rootSeen && _lines is null && data.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new MaskingException("empty_body", "The body holds no JSON value.");
        }
        var reader = new Utf8JsonReader(data, final, state);
        try
        {
            Paused = false;
            while (reader.Read())
            {
                Handle(ref reader, writer);
                if (_hold is not null && reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray && _hold.DueForRelease(writer))
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
        state = reader.CurrentState;
        return (int)reader.BytesConsumed;
    }

    /// <summary>At the end of the body: it must have held exactly one complete value (NDJSON: any number, each ended by a newline).</summary>
    public void Finish(int unconsumed, Utf8JsonWriter writer)
    {
        if ((!_rootSeen && _lines is null) || _depth != 1 || _suppressed > 0 || unconsumed > 0)
        {
            throw new MaskingException(_rootSeen ? "truncated_json" : "empty_body", _rootSeen ? "The body ends inside a JSON value." : "The body holds no JSON value.");
        }
        if (_rootSeen)
        {
            NewLine(writer);
        }
    }

    /// <summary>NDJSON: ends the line of the value just written; the writer starts afresh for the next one.</summary>
    private void NewLine(Utf8JsonWriter writer)
    {
        if (_lines is null)
        {
            return;
        }
        writer.Flush();
        _lines.GetSpan(1)[0] = (byte)'\n';
        _lines.Advance(1);
        writer.Reset(_lines);
    }

    public MaskingReport Report(string rulesVersion)
    {
        var masked = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _maskedCounts.Length; i++)
        {
            if (_maskedCounts[i] > 0)
            {
                var (name, action) = i < _classes.Count ? (_classes[i], _view.Actions[i]) : (CompiledRules.Unclassified, _view.UnclassifiedAction);
                masked[$"{name}:{action}"] = _maskedCounts[i];
            }
        }
        return new MaskingReport(rulesVersion, _entity.Name, _recordCount, _subjects, masked);
    }

    private void Handle(ref Utf8JsonReader reader, Utf8JsonWriter writer)
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
                StartContainer(reader.TokenType == JsonTokenType.StartArray, writer);
                return;
            case JsonTokenType.EndObject or JsonTokenType.EndArray:
                if (_suppressed > 0)
                {
                    _suppressed--;
                    return;
                }
                var closed = _frames[--_depth];
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    writer.WriteEndObject();
                }
                else
                {
                    writer.WriteEndArray();
                }
                if (closed.IsRecordRoot)
                {
                    _hold?.RecordEnded(_hold.Position(writer));
                }
                return;
            default:
                if (_suppressed == 0)
                {
                    Primitive(ref reader, writer);
                }
                return;
        }
    }

    private void StartContainer(bool isArray, Utf8JsonWriter writer)
    {
        var (child, classIndex) = Enter(isContainer: true, writer);
        if (classIndex >= 0 && _view.Masks[classIndex].Removes)
        {
            Count(classIndex);
            _pendingNameLength = -1;
            _suppressed = 1;
            CheckDepth();
            WriteNullIfRoot(writer);
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
                _hold.RecordStarted(_hold.Position(writer), single: _depth == 1);
            }
        }
        WriteHeldName(writer);
        if (isArray)
        {
            writer.WriteStartArray();
        }
        else
        {
            writer.WriteStartObject();
        }
        child.IsArray = isArray;
        if (_depth == _frames.Length)
        {
            Array.Resize(ref _frames, _depth * 2);
        }
        _frames[_depth++] = child;
        CheckDepth();
    }

    private void Primitive(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        var (context, classIndex) = Enter(isContainer: false, writer);
        var path = _paths[context.State];
        if (path.IsSubject && (_subjects.Count < _limits.MaxReportedSubjects || _hold is not null))
        {
            var subjectId = Scalar(ref reader).ToText();
            if (_subjects.Count < _limits.MaxReportedSubjects)
            {
                _subjects.Add(subjectId);
            }
            _hold?.SubjectFound(subjectId);
        }
        if (_hold is not null)
        {
            Observe(ref reader, path, classIndex);
        }
        var (mask, counted) = classIndex >= 0 ? (_view.Masks[classIndex], classIndex)
            : context.InRecord ? (_view.UnclassifiedMask, _classes.Count)
            : (null, -1);
        if (mask is { Removes: true })
        {
            Count(counted);
            _pendingNameLength = -1;
            WriteNullIfRoot(writer);
            return;
        }
        WriteHeldName(writer);
        if (mask is null || mask.Copies)
        {
            var start = _hold is not null && reader.TokenType == JsonTokenType.Number && path.IsTotal ? _hold.Position(writer) : -1;
            Copy(ref reader, writer);
            if (start >= 0)
            {
                // Only a count that leaves unmasked is corrected: a masked one says nothing to correct.
                _hold!.TotalFound(start, _hold.Position(writer), reader.ValueSpan);
            }
            return;
        }
        Count(counted);
        mask.Write(writer, Scalar(ref reader));
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
    private (Frame Child, int ClassIndex) Enter(bool isContainer, Utf8JsonWriter writer)
    {
        ref readonly var parent = ref _frames[_depth - 1];
        int state;
        if (_depth == 1)
        {
            if (_rootSeen)
            {
                NewLine(writer);
            }
            _rootSeen = true;
            state = PathAutomaton.Root;
        }
        else
        {
            state = _paths.Next(parent.State, parent.IsArray, _pendingName.AsSpan(0, Math.Max(_pendingNameLength, 0)));
        }
        var path = _paths[state];
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
        return (child, child.ClassIndex);
    }

    /// <summary>A property or element can disappear; the body's root value cannot, so it becomes null.</summary>
    private void WriteNullIfRoot(Utf8JsonWriter writer)
    {
        if (_depth == 1)
        {
            writer.WriteNullValue();
        }
    }

    private void HoldName(ref Utf8JsonReader reader)
    {
        var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (_pendingName.Length < length)
        {
            _pendingName = new byte[Math.Max(length, _pendingName.Length * 2)];
        }
        _pendingNameLength = reader.CopyString(_pendingName);
    }

    private void WriteHeldName(Utf8JsonWriter writer)
    {
        if (_pendingNameLength >= 0)
        {
            writer.WritePropertyName(_pendingName.AsSpan(0, _pendingNameLength));
            _pendingNameLength = -1;
        }
    }

    private static void Copy(ref Utf8JsonReader reader, Utf8JsonWriter writer)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String when !reader.ValueIsEscaped:
                writer.WriteStringValue(reader.ValueSpan);
                break;
            case JsonTokenType.String:
                var scratch = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
                try
                {
                    writer.WriteStringValue(scratch.AsSpan(0, reader.CopyString(scratch)));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(scratch);
                }
                break;
            case JsonTokenType.Number:
                writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                break;
            case JsonTokenType.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonTokenType.False:
                writer.WriteBooleanValue(false);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    /// <summary>The current primitive, unescaped into a reused scratch buffer only when it carries escapes.</summary>
    private JsonScalar Scalar(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String when reader.ValueIsEscaped:
                if (_scratch.Length < reader.ValueSpan.Length)
                {
                    _scratch = new byte[Math.Max(reader.ValueSpan.Length, _scratch.Length * 2)];
                }
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

    public bool IsArray;

    public bool InRecord;

    public int ClassIndex;
}
