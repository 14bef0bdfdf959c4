using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gateway.Audit;

/// <summary>A place in the spool: a segment file's number and a byte offset in it.</summary>
internal readonly record struct SpoolPosition(long Segment, long Offset) : IComparable<SpoolPosition>
{
    public int CompareTo(SpoolPosition other) => Segment != other.Segment ? Segment.CompareTo(other.Segment) : Offset.CompareTo(other.Offset);
}

/// <summary>One spooled event: the chain hash, the exact JSON bytes it was computed over, the event's sequence number, and where the line ends in the spool.</summary>
internal readonly record struct SpoolLine(ReadOnlyMemory<byte> Hash, ReadOnlyMemory<byte> Json, long Sequence, SpoolPosition End = default);

/// <summary>
/// The write-ahead log of audit events on local disk. Every event is appended here (and fsynced)
/// before it is sent to Redis, so an XADD that Redis loses, an outage or a crash never loses an
/// event: what is not yet acknowledged by Redis is read back from here, in order. Segment files
/// <c>NNNNNNNNNNNN.spool</c> hold lines <c>HASH SP SEQUENCE SP JSON LF</c> (lines spooled by
/// earlier versions lack the sequence, which is then read from the JSON); <c>checkpoint</c> says
/// how far Redis has them. The writer thread appends and syncs; the sender thread reads and commits.
/// </summary>
internal sealed class AuditSpool : IDisposable
{
    public const long DefaultSegmentBytes = 64L * 1024 * 1024;
    private const string Extension = ".spool";
    private const int ReadChunkBytes = 1024 * 1024;
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(1);

    private readonly string _directory;
    private readonly long _segmentBytes;
    private readonly FileStream _lock;
    private readonly Lock _gate = new();
    private readonly SortedSet<long> _segments;
    private readonly TimeProvider _time;
    private FileStream? _current;
    private long _currentNumber;
    private SpoolPosition _written;
    private SpoolPosition _durable;
    private SpoolPosition _checkpoint;

    /// <summary>What the checkpoint file says, and when it was written.</summary>
    private SpoolPosition _checkpointWritten;
    private long _checkpointWrittenAt;
    private long _unsentBytes;
    private FileStream? _reader;
    private long _readerSegment = -1;
    private byte[] _readBuffer = new byte[ReadChunkBytes];

    private AuditSpool(string directory, long segmentBytes, FileStream lockFile, string instanceId, TimeProvider time)
    {
        _time = time;
        _directory = directory;
        _segmentBytes = segmentBytes;
        _lock = lockFile;
        InstanceId = instanceId;
        _segments = [.. Directory.EnumerateFiles(directory, "*" + Extension)
            .Select(path => long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(n => n >= 0)];
        _currentNumber = _segments.Count > 0 ? _segments.Max : 0;
        TruncatedBytes = _segments.Count > 0 ? DropIncompleteLastLine(SegmentPath(_currentNumber)) : 0;
        Head = RecoverHead();
        _written = _durable = new SpoolPosition(_currentNumber, _segments.Count > 0 ? new FileInfo(SegmentPath(_currentNumber)).Length : 0);
        _checkpoint = _checkpointWritten = ReadCheckpoint();
        _unsentBytes = _segments.Where(n => n >= _checkpoint.Segment).Sum(n => new FileInfo(SegmentPath(n)).Length) - _checkpoint.Offset;
    }

    public string InstanceId { get; }

    /// <summary>The last event spooled before this process started, or genesis.</summary>
    public ChainHead Head { get; }

    /// <summary>Bytes of a half-written last line that a crash left behind and opening removed.</summary>
    public long TruncatedBytes { get; }

    public long UnsentBytes => Interlocked.Read(ref _unsentBytes);

    public bool HasUnsent
    {
        get
        {
            lock (_gate)
            {
                return _checkpoint != _durable;
            }
        }
    }

    /// <exception cref="InvalidOperationException">Another process uses the directory, or its last event cannot be read.</exception>
    public static AuditSpool Open(string directory, string? configuredInstanceId, TimeProvider time, long segmentBytes = DefaultSegmentBytes)
    {
        Directory.CreateDirectory(directory);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(directory, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new InvalidOperationException($"Gateway:Audit:SpoolDirectory: '{directory}' is in use by another gateway process; give each process its own spool directory.");
        }
        try
        {
            return new AuditSpool(directory, segmentBytes, lockFile, InstanceIdFor(directory, configuredInstanceId), time);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Appends whole lines to the newest segment; on failure the segment is cut back, so a retry never leaves half a line.</summary>
    public void Append(ReadOnlySpan<byte> lines)
    {
        if (_current is null || _current.Length >= _segmentBytes)
        {
            StartSegment();
        }
        var before = _current!.Length;
        try
        {
            _current.Write(lines);
            _current.Flush(flushToDisk: false);
        }
        catch (IOException)
        {
            _current.SetLength(before);
            _current.Position = before;
            throw;
        }
        _written = new SpoolPosition(_currentNumber, _current.Length);
        Interlocked.Add(ref _unsentBytes, lines.Length);
    }

    /// <summary>Makes everything appended durable and lets the sender read it.</summary>
    public void Sync()
    {
        _current?.Flush(flushToDisk: true);
        lock (_gate)
        {
            _durable = _written;
        }
    }

    /// <summary>Reads up to <paramref name="max"/> durable lines that Redis does not have yet, from the checkpoint on.</summary>
    /// <returns>The position after the last line read (to pass to <see cref="Commit"/> once Redis has them).</returns>
    public SpoolPosition ReadUnsent(List<SpoolLine> lines, int max) => Read(null, lines, max);

    /// <summary>
    /// Reads up to <paramref name="max"/> durable lines from <paramref name="from"/> (the end of a
    /// line read before, at or after the checkpoint) on, moving nothing: to look ahead of what is sent.
    /// </summary>
    public SpoolPosition ReadAfter(SpoolPosition from, List<SpoolLine> lines, int max) => Read(from, lines, max);

    /// <param name="from">Null: from the checkpoint, which moves past segments that hold nothing more to read.</param>
    private SpoolPosition Read(SpoolPosition? from, List<SpoolLine> lines, int max)
    {
        lines.Clear();
        SpoolPosition start, durable;
        lock (_gate)
        {
            (start, durable) = (from ?? _checkpoint, _durable);
            if (start != durable && !_segments.Contains(start.Segment))
            {
                start = new SpoolPosition(_segments.GetViewBetween(start.Segment + 1, durable.Segment).Min, 0);
                if (from is null)
                {
                    _checkpoint = start;
                }
            }
        }
        if (start == durable)
        {
            return start;
        }
        var end = start.Segment == durable.Segment ? durable.Offset : long.MaxValue;
        var reader = ReaderFor(start.Segment);
        if (start.Offset >= Math.Min(end, reader.Length) && start.Segment < durable.Segment)
        {
            SpoolPosition next;
            lock (_gate)
            {
                next = new SpoolPosition(_segments.GetViewBetween(start.Segment + 1, durable.Segment).Min, 0);
                if (from is null)
                {
                    _checkpoint = next;
                }
            }
            return Read(from is null ? null : next, lines, max);
        }
        var available = Math.Min(end, reader.Length) - start.Offset;
        var length = (int)Math.Min(available, _readBuffer.Length);
        var buffer = ReadAt(reader, start.Offset, length);
        var consumed = 0;
        while (lines.Count < max)
        {
            var newline = Array.IndexOf(buffer, (byte)'\n', consumed, length - consumed);
            if (newline < 0)
            {
                break;
            }
            lines.Add(ParseLine(buffer.AsMemory(consumed, newline - consumed)) with { End = start with { Offset = start.Offset + newline + 1 } });
            consumed = newline + 1;
        }
        if (consumed == 0 && length < available)
        {
            _readBuffer = new byte[_readBuffer.Length * 2];
            return Read(from, lines, max);
        }
        return start with { Offset = start.Offset + consumed };
    }

    private void WriteCheckpoint(SpoolPosition position)
    {
        var temporary = Path.Combine(_directory, "checkpoint.tmp");
        File.WriteAllText(temporary, string.Create(CultureInfo.InvariantCulture, $"{position.Segment} {position.Offset}\n"));
        File.Move(temporary, Path.Combine(_directory, "checkpoint"), overwrite: true);
        (_checkpointWritten, _checkpointWrittenAt) = (position, _time.GetTimestamp());
    }

    /// <summary>Records that Redis has everything before <paramref name="end"/>, and deletes segments wholly sent.</summary>
    public void Commit(SpoolPosition end)
    {
        long sent;
        List<long> whollySent;
        lock (_gate)
        {
            sent = end.Offset - _checkpoint.Offset;
            _checkpoint = end;
            whollySent = [.. _segments.GetViewBetween(long.MinValue, end.Segment - 1)];
            _segments.ExceptWith(whollySent);
        }
        Interlocked.Add(ref _unsentBytes, -sent);
        // Rewriting the file after every sent batch cost 4% of a busy gateway's CPU. Written at most
        // once a second, a crash resends up to a second of events (duplicates, which consumers drop by
        // event id); always before a segment goes, so the file never points into a deleted one.
        if (whollySent.Count > 0 || _time.GetElapsedTime(_checkpointWrittenAt) >= CheckpointInterval)
        {
            WriteCheckpoint(end);
        }
        foreach (var old in whollySent)
        {
            if (_readerSegment == old)
            {
                CloseReader();
            }
            File.Delete(SegmentPath(old));
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            try
            {
                if (_checkpoint != _checkpointWritten)
                {
                    WriteCheckpoint(_checkpoint);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A checkpoint left behind only means events Redis has are sent again, as duplicates.
            }
        }
        _current?.Dispose();
        CloseReader();
        _lock.Dispose();
    }

    private static SpoolLine ParseLine(ReadOnlyMemory<byte> line)
    {
        var hashLength = AuditKeys.ChainHashChars;
        var span = line.Span;
        if (line.Length <= hashLength + 1 || span[hashLength] != (byte)' ')
        {
            throw new InvalidDataException("An audit spool line is not 'HASH SEQUENCE JSON'.");
        }
        var hash = line[..hashLength];
        var rest = line[(hashLength + 1)..];
        if (rest.Span[0] == (byte)'{')
        {
            return new SpoolLine(hash, rest, SequenceInJson(rest));
        }
        var space = rest.Span.IndexOf((byte)' ');
        if (space <= 0 || !System.Buffers.Text.Utf8Parser.TryParse(rest.Span[..space], out long sequence, out var digits) || digits != space)
        {
            throw new InvalidDataException("An audit spool line is not 'HASH SEQUENCE JSON'.");
        }
        return new SpoolLine(hash, rest[(space + 1)..], sequence);
    }

    /// <summary>A line spooled before lines carried their sequence number: read it from the event.</summary>
    private static long SequenceInJson(ReadOnlyMemory<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.GetProperty("metadata").GetProperty("sequence").GetInt64();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"An audit spool line holds no sequence number ({ex.Message}).");
        }
    }

    private static string InstanceIdFor(string directory, string? configured)
    {
        var path = Path.Combine(directory, "instance-id");
        if (configured is null && File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } stored)
        {
            return stored;
        }
        var instance = configured ?? $"{Environment.MachineName}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";
        File.WriteAllText(path, instance + "\n");
        return instance;
    }

    private static long DropIncompleteLastLine(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var position = file.Length;
        var buffer = new byte[4096];
        while (position > 0)
        {
            var start = Math.Max(0, position - buffer.Length);
            file.Position = start;
            file.ReadExactly(buffer, 0, (int)(position - start));
            var newline = Array.LastIndexOf(buffer, (byte)'\n', (int)(position - start) - 1);
            if (newline >= 0)
            {
                var complete = start + newline + 1;
                var dropped = file.Length - complete;
                file.SetLength(complete);
                return dropped;
            }
            position = start;
        }
        var all = file.Length;
        file.SetLength(0);
        return all;
    }

    private ChainHead RecoverHead()
    {
        foreach (var number in _segments.Reverse())
        {
            var last = LastLine(SegmentPath(number));
            if (last.Length == 0)
            {
                continue;
            }
            try
            {
                var line = ParseLine(last.AsMemory(0, last.Length - 1));
                return new ChainHead(line.Sequence, Encoding.ASCII.GetString(line.Hash.Span));
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidOperationException($"Gateway:Audit:SpoolDirectory: the last event in '{SegmentPath(number)}' cannot be read ({ex.Message}); the spool needs a person to look at it.");
            }
        }
        return ChainHead.Genesis;
    }

    /// <summary>The file's last line with its newline, read from the end (a segment may be 64 MB; only its tail is needed).</summary>
    private static byte[] LastLine(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        for (var window = 64L * 1024; ; window *= 2)
        {
            var start = Math.Max(0, file.Length - window);
            var tail = new byte[file.Length - start];
            file.Position = start;
            file.ReadExactly(tail);
            var previous = tail.Length < 2 ? -1 : Array.LastIndexOf(tail, (byte)'\n', tail.Length - 2);
            if (previous >= 0 || start == 0)
            {
                return tail[(previous + 1)..];
            }
        }
    }

    private SpoolPosition ReadCheckpoint()
    {
        var first = _segments.Count > 0 ? new SpoolPosition(_segments.Min, 0) : _durable;
        var path = Path.Combine(_directory, "checkpoint");
        if (!File.Exists(path))
        {
            return first;
        }
        var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var segment)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            && _segments.Contains(segment))
        {
            return new SpoolPosition(segment, Math.Min(offset, new FileInfo(SegmentPath(segment)).Length));
        }
        return first;
    }

    private void StartSegment()
    {
        if (_current is not null)
        {
            Sync();
            _current.Dispose();
        }
        _currentNumber++;
        _current = new FileStream(SegmentPath(_currentNumber), FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        lock (_gate)
        {
            _segments.Add(_currentNumber);
        }
    }

    private FileStream ReaderFor(long segment)
    {
        if (_readerSegment != segment)
        {
            CloseReader();
            _reader = new FileStream(SegmentPath(segment), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            _readerSegment = segment;
        }
        return _reader!;
    }

    private byte[] ReadAt(FileStream reader, long offset, int length)
    {
        reader.Position = offset;
        reader.ReadExactly(_readBuffer, 0, length);
        return _readBuffer;
    }

    private void CloseReader()
    {
        _reader?.Dispose();
        _reader = null;
        _readerSegment = -1;
    }

    private string SegmentPath(long number) => Path.Combine(_directory, number.ToString("D12", CultureInfo.InvariantCulture) + Extension);
}
