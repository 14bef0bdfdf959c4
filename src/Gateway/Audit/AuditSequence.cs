using System.Globalization;
using System.Text;

namespace Gateway.Audit;

/// <summary>
/// Hands out an instance's sequence numbers from blocks reserved durably in the spool directory
/// (file <c>sequence</c>: the highest number reserved, <c>running</c> or <c>stopped</c>, and the
/// durability setting). An event gets its number when it is queued, before its response ends, and
/// no number is handed out before its block is fsynced. After a crash the next process goes on after
/// the whole reserved block: the numbers of events lost in memory, with the block's unused rest, are
/// a gap that <c>audit verify</c> reports, where before the next event simply took the lost one's
/// number and nothing showed. A clean stop records the last number handed out, so the next start
/// continues without a gap. The next block is reserved in the background once half of the current
/// one is used, so the request path waits for an fsync only in a burst of a block's size.
/// </summary>
internal sealed class AuditSequence : IDisposable
{
    public const long BlockSize = 10_000;
    private const string FileName = "sequence";
    private const int RecordBytes = 64;
    private const string Running = "running";
    private const string Stopped = "stopped";

    private readonly FileStream _file;
    private readonly string _durability;
    private readonly TimeProvider _time;
    private readonly Lock _fileGate = new();
    private readonly Lock _reserveGate = new();
    private long _next;
    private long _reserved;
    private Task? _reserving;
    private bool _stopped;
    private volatile Exception? _reserveFailure;

    private AuditSequence(FileStream file, string durability, long next, UnwrittenSequences? unwritten, TimeProvider time)
    {
        _time = time;
        _file = file;
        _durability = durability;
        _next = next;
        _reserved = next - 1;
        Unwritten = unwritten;
    }

    /// <summary>Set when the previous process ended without stopping: what it reserved and never wrote.</summary>
    public UnwrittenSequences? Unwritten { get; }

    /// <summary>The last number handed out.</summary>
    public long LastTaken => Volatile.Read(ref _next) - 1;

    /// <summary>Why the next block could not be reserved, while it cannot (the spool directory is not writable).</summary>
    public Exception? ReserveFailure => _reserveFailure;

    /// <summary>Numbers can be handed out without waiting for a reservation.</summary>
    public bool HasReserved => Volatile.Read(ref _next) <= Volatile.Read(ref _reserved);

    /// <summary>
    /// Reads what the previous process left and reserves the first block. <paramref name="head"/> is
    /// the last event in the spool: a directory written before numbers were reserved has no file and
    /// goes on from there.
    /// </summary>
    /// <exception cref="InvalidOperationException">The file cannot be read: which numbers were handed out is unknown.</exception>
    public static AuditSequence Open(string directory, ChainHead head, string durability, TimeProvider time)
    {
        var path = Path.Combine(directory, FileName);
        var existed = File.Exists(path);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        try
        {
            var next = head.Sequence + 1;
            UnwrittenSequences? unwritten = null;
            if (existed)
            {
                var (reserved, state, previousDurability) = Parse(file, path);
                next = Math.Max(reserved, head.Sequence) + 1;
                if (state == Running)
                {
                    unwritten = new UnwrittenSequences(head.Sequence + 1, reserved, previousDurability);
                }
            }
            var sequence = new AuditSequence(file, durability, next, unwritten, time);
            sequence.Write(next - 1 + BlockSize, Running);
            sequence._reserved = next - 1 + BlockSize;
            return sequence;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The next number, if one is reserved. The caller serialises calls, and queues the event in the same order.</summary>
    public bool TryTake(out long sequence)
    {
        var reserved = Volatile.Read(ref _reserved);
        if (reserved - _next < BlockSize / 2)
        {
            StartReserving();
        }
        if (_next > reserved)
        {
            sequence = 0;
            return false;
        }
        sequence = _next;
        Volatile.Write(ref _next, _next + 1);
        return true;
    }

    /// <summary>Completes once the next block is reserved (at once if numbers are left).</summary>
    public Task WaitForReservationAsync() => HasReserved ? Task.CompletedTask : StartReserving();

    /// <summary>
    /// Records a clean stop after number <paramref name="lastTaken"/>: the next start continues right
    /// after it. Not called when events with numbers were lost: the next start then reports them.
    /// No block is reserved after this.
    /// </summary>
    public void MarkStopped(long lastTaken)
    {
        lock (_fileGate)
        {
            _stopped = true;
            WriteRecord(lastTaken, Stopped);
        }
    }

    public void Dispose()
    {
        lock (_fileGate)
        {
            _stopped = true;
            _file.Dispose();
        }
    }

    private Task StartReserving()
    {
        lock (_reserveGate)
        {
            return _reserving ??= Task.Run(ReserveNextBlockAsync);
        }
    }

    /// <summary>Retries until the block is on disk: until then no number may be handed out, and a fail-closed gateway refuses requests.</summary>
    private async Task ReserveNextBlockAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var limit = Volatile.Read(ref _reserved) + BlockSize;
                if (!Write(limit, Running))
                {
                    return;
                }
                lock (_reserveGate)
                {
                    Volatile.Write(ref _reserved, limit);
                    _reserving = null;
                }
                _reserveFailure = null;
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _reserveFailure = ex;
                await Task.Delay(AuditBackoff.After(attempt), _time).ConfigureAwait(false);
            }
        }
    }

    /// <returns>False once stopped: a reservation must never overwrite the record of a clean stop.</returns>
    private bool Write(long reserved, string state)
    {
        lock (_fileGate)
        {
            if (_stopped)
            {
                return false;
            }
            WriteRecord(reserved, state);
            return true;
        }
    }

    /// <summary>One fixed-size record, overwritten in place and fsynced: it never needs a new disk block, so a full disk cannot stop it.</summary>
    private void WriteRecord(long reserved, string state)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{reserved} {state} {_durability}").PadRight(RecordBytes - 1) + "\n";
        _file.Position = 0;
        _file.Write(Encoding.ASCII.GetBytes(text));
        _file.Flush(flushToDisk: true);
    }

    private static (long Reserved, string State, string Durability) Parse(FileStream file, string path)
    {
        var buffer = new byte[RecordBytes];
        var read = file.ReadAtLeast(buffer, RecordBytes, throwOnEndOfStream: false);
        var parts = Encoding.ASCII.GetString(buffer, 0, read).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 3
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var reserved)
            && parts[1] is Running or Stopped)
        {
            return (reserved, parts[1], parts[2]);
        }
        throw new InvalidOperationException($"Gateway:Audit:SpoolDirectory: '{path}' does not say which audit sequence numbers were handed out; the spool needs a person to look at it.");
    }
}
