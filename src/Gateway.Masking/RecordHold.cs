using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text.Json;
using Gateway.Masking.Actions;
using Gateway.Masking.Rules;

namespace Gateway.Masking;

/// <summary>
/// The masked output of one body held back while a gate decides about its records: where each
/// record (one holding no other record) starts and ends in the held bytes, what the masker learnt
/// about it, and where record counts sit. Releasing splices the verdicts into the held bytes:
/// removed records disappear with their separator, masked ones are re-masked with every class
/// redacted, counts are lowered by the records removed so far. Positions are offsets in the held
/// buffer, which starts afresh at each release (only ever between records).
/// </summary>
internal sealed class RecordHold(IRecordGate gate, CompiledRules rules, CompiledEntity entity, MaskingLimits limits, bool lines, PooledBufferWriter held)
{
    private readonly List<OpenRecord> _open = [];
    private readonly List<HeldRecord> _records = [];

    /// <summary>The held records' facts, for the gate; reused by every batch of the response.</summary>
    private readonly List<RecordFacts> _facts = [];
    private readonly List<HeldTotal> _totals = [];
    private long _removed;

    /// <summary>The longest record held so far: the batch is released before one more of that length would overrun it.</summary>
    private int _longestRecord;

    public string Purpose => gate.Purpose;

    /// <summary>The subject's keyed hash, made by the gate: the masker keys each id once, for the gate and the audit event alike.</summary>
    public SubjectHash Key(ReadOnlySpan<byte> subjectIdUtf8) => gate.Key(subjectIdUtf8);

    /// <summary>
    /// Decisions are due when the batch is full (one more record like the longest so far would
    /// overrun <see cref="IRecordGate.BatchBytes"/>: the held bytes then fit a pooled buffer of
    /// that size, not one twice as large) and no record is open that may still turn out to hold
    /// no other record (a list's envelope is open all along but is never decided), and no count
    /// waits for the verdicts of records still to come.
    /// </summary>
    /// <param name="position">How much the masker has written to the held bytes.</param>
    public bool DueForRelease(int position) =>
        (position + _longestRecord >= gate.BatchBytes || _records.Count >= gate.BatchRecords)
        && (_open.Count == 0 || _open[^1].HoldsRecords)
        && _totals.Count == 0;

    public void RecordStarted(int position, bool single)
    {
        if (_open.Count > 0)
        {
            // Every record below is already marked: each was marked when the one above it started.
            CollectionsMarshal.AsSpan(_open)[^1].HoldsRecords = true;
        }
        _open.Add(new OpenRecord { Start = position, Single = single && !lines });
    }

    /// <summary>The open record's subject, if it has none yet.</summary>
    public void SubjectFound(SubjectHash subject)
    {
        if (_open.Count > 0)
        {
            CollectionsMarshal.AsSpan(_open)[^1].Subject ??= subject;
        }
    }

    /// <summary>The open record holds one more value of high sensitivity that leaves in clear.</summary>
    public void ClearHighFound()
    {
        if (_open.Count > 0)
        {
            CollectionsMarshal.AsSpan(_open)[^1].ClearHigh++;
        }
    }

    public void ClassifiedFound()
    {
        if (_open.Count > 0)
        {
            CollectionsMarshal.AsSpan(_open)[^1].Classified = true;
        }
    }

    public void ConsentFieldFound(ConsentField field, JsonScalar value)
    {
        if (_open.Count == 0 || !field.Purposes.Contains(gate.Purpose) || Truth(value) is not { } truth)
        {
            return;
        }
        // An opt-out flag that is false says only that the subject did not refuse, not that they agreed.
        var signal = (field.OptIn, truth) switch
        {
            (true, true) => ConsentSignal.Granted,
            (true, false) or (false, true) => ConsentSignal.Withdrawn,
            _ => ConsentSignal.None,
        };
        ref var record = ref CollectionsMarshal.AsSpan(_open)[^1];
        if (record.Signal != ConsentSignal.Withdrawn && signal != ConsentSignal.None)
        {
            record.Signal = signal;
        }
    }

    public void RecordEnded(int position)
    {
        var record = _open[^1];
        _open.RemoveAt(_open.Count - 1);
        if (!record.HoldsRecords)
        {
            _longestRecord = Math.Max(_longestRecord, position - record.Start);
            _records.Add(new HeldRecord(record.Start, position, record.Subject, record.Signal, record.Classified, record.Single, record.ClearHigh));
        }
    }

    public void TotalFound(int start, int end, ReadOnlySpan<byte> number)
    {
        if (Utf8Parser.TryParse(number, out long value, out var consumed) && consumed == number.Length)
        {
            _totals.Add(new HeldTotal(start, end, value));
        }
    }

    /// <summary>
    /// Asks the gate about the held records; returns what may leave of the held bytes: the held
    /// bytes themselves when every record stays as it is and no count needs lowering (the usual
    /// case, with no copy), otherwise the held bytes spliced into <paramref name="spliced"/>.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReleaseAsync(PooledBufferWriter spliced, CancellationToken cancellationToken)
    {
        _facts.Clear();
        foreach (var record in _records)
        {
            _facts.Add(new RecordFacts(record.Subject, record.Signal, record.Classified, record.Single) { ClearHighValues = record.ClearHigh });
        }
        var verdicts = _records.Count == 0 ? [] : await gate.DecideAsync(_facts, cancellationToken);
        if (verdicts.Length != _records.Count)
        {
            throw new InvalidOperationException("The record gate must give one verdict per record.");
        }
        for (var i = 0; i < verdicts.Length; i++)
        {
            if (verdicts[i] == RecordVerdict.Remove)
            {
                if (_records[i].Single)
                {
                    throw new RecordWithheldException();
                }
                _removed++;
            }
        }
        var unchanged = Array.TrueForAll(verdicts, v => v == RecordVerdict.Keep) && (_removed == 0 || _totals.Count == 0);
        if (!unchanged)
        {
            Splice(held.Written, verdicts, spliced);
        }
        _records.Clear();
        _totals.Clear();
        return unchanged ? held.Written : spliced.Written;
    }

    private void Splice(ReadOnlyMemory<byte> heldBytes, RecordVerdict[] verdicts, PooledBufferWriter output)
    {
        var bytes = heldBytes.Span;
        var cursor = 0;
        var dropSeparator = false;
        var total = 0;
        for (var i = 0; i <= _records.Count; i++)
        {
            var next = i < _records.Count ? _records[i].Start : bytes.Length;
            // Counts are never inside a held record's span (records hold no counts we rewrite); those inside a removed record go with it.
            for (; total < _totals.Count && _totals[total].Start < next; total++)
            {
                var count = _totals[total];
                if (count.Start < cursor)
                {
                    continue;
                }
                // An array element's separator is written with the number; a property's, with its name.
                var digits = bytes[count.Start] == (byte)',' ? count.Start + 1 : count.Start;
                Emit(bytes[cursor..digits], output, ref dropSeparator);
                Emit(Number(Math.Max(0, count.Value - _removed)), output, ref dropSeparator);
                cursor = count.End;
            }
            if (i == _records.Count)
            {
                break;
            }
            if (verdicts[i] == RecordVerdict.Keep)
            {
                continue;
            }
            var record = _records[i];
            Emit(bytes[cursor..record.Start], output, ref dropSeparator);
            var segment = bytes[record.Start..record.End];
            if (verdicts[i] == RecordVerdict.Remove)
            {
                // "[a,b]": b's segment is ",b" and goes whole; a's is "a", so the separator after it goes too.
                dropSeparator |= segment.Length > 0 && segment[0] != (byte)',';
            }
            else
            {
                var value = ValueStart(segment);
                Emit(segment[..value], output, ref dropSeparator);
                Remask(heldBytes[(record.Start + value)..record.End], output);
            }
            cursor = record.End;
        }
        Emit(bytes[cursor..], output, ref dropSeparator);
    }

    private void Emit(ReadOnlySpan<byte> bytes, PooledBufferWriter output, ref bool dropSeparator)
    {
        if (bytes.IsEmpty)
        {
            return;
        }
        if (dropSeparator)
        {
            dropSeparator = false;
            if (bytes[0] == (byte)',' || (lines && bytes[0] == (byte)'\n'))
            {
                bytes = bytes[1..];
            }
        }
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    /// <summary>A record's segment is its separator and property name, if any, then the value (an object or array, which the masker wrote).</summary>
    private static int ValueStart(ReadOnlySpan<byte> segment)
    {
        var i = 0;
        if (i < segment.Length && segment[i] == (byte)',')
        {
            i++;
        }
        if (i < segment.Length && segment[i] == (byte)'"')
        {
            for (i++; segment[i] != (byte)'"'; i++)
            {
                if (segment[i] == (byte)'\\')
                {
                    i++;
                }
            }
            i += 2;
        }
        return i;
    }

    private void Remask(ReadOnlyMemory<byte> value, PooledBufferWriter output)
    {
        var session = new MaskingSession(entity.SingleRecord, rules.WithheldView, limits);
        var state = new JsonReaderState(new JsonReaderOptions { MaxDepth = limits.MaxDepth + 1 });
        var consumed = session.Process(value, final: true, ref state, output);
        session.Finish(value.Length - consumed);
    }

    private static ReadOnlySpan<byte> Number(long value)
    {
        var digits = new byte[20];
        Utf8Formatter.TryFormat(value, digits, out var written);
        return digits.AsSpan(0, written);
    }

    /// <summary>true/false, as JSON booleans or as the strings some CRMs send ("true", "False").</summary>
    private static bool? Truth(JsonScalar value) => value.Kind switch
    {
        JsonScalarKind.True => true,
        JsonScalarKind.False => false,
        JsonScalarKind.String when value.Utf8.SequenceEqual("true"u8) || value.Utf8.SequenceEqual("True"u8) || value.Utf8.SequenceEqual("TRUE"u8) => true,
        JsonScalarKind.String when value.Utf8.SequenceEqual("false"u8) || value.Utf8.SequenceEqual("False"u8) || value.Utf8.SequenceEqual("FALSE"u8) => false,
        _ => null,
    };

    private struct OpenRecord
    {
        public int Start;
        public bool Single;
        public bool HoldsRecords;
        public bool Classified;
        public int ClearHigh;
        public SubjectHash? Subject;
        public ConsentSignal Signal;
    }

    /// <summary>A record waiting for its verdict.</summary>
    private readonly record struct HeldRecord(int Start, int End, SubjectHash? Subject, ConsentSignal Signal, bool Classified, bool Single, int ClearHigh);

    private readonly record struct HeldTotal(int Start, int End, long Value);
}
