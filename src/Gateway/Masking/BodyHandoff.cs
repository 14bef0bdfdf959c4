namespace Gateway.Masking;

/// <summary>
/// Hands the CRM body from YARP, which writes it, to the masking task, which reads it, one chunk
/// at a time and without a buffer of its own: a write returns once the reader has copied the
/// chunk out. A pipe in between had copied every chunk into segments of its own, and with 50
/// large bodies in flight those missed the shared array pool and were most of the garbage.
/// </summary>
internal sealed class BodyHandoff
{
    private readonly Lock _lock = new();
    private ReadOnlyMemory<byte> _chunk;
    private TaskCompletionSource? _chunkTaken;
    private TaskCompletionSource? _chunkArrived;
    private bool _writerDone;
    private bool _readerDone;

    public BodyHandoff()
    {
        Writer = new WriterStream(this);
        Reader = new ReaderStream(this);
    }

    /// <summary>Where YARP writes the body.</summary>
    public Stream Writer { get; }

    /// <summary>What the masking task reads; it ends when <see cref="CompleteWriter"/> is called.</summary>
    public Stream Reader { get; }

    /// <summary>No more writes: the reader sees the end of the body once it has read what was written.</summary>
    public void CompleteWriter()
    {
        TaskCompletionSource? arrived;
        lock (_lock)
        {
            _writerDone = true;
            (arrived, _chunkArrived) = (_chunkArrived, null);
        }
        arrived?.TrySetResult();
    }

    /// <summary>Nobody reads any more (masking ended or failed): a waiting write returns, and later writes are dropped.</summary>
    public void CompleteReader()
    {
        TaskCompletionSource? taken;
        lock (_lock)
        {
            _readerDone = true;
            _chunk = default;
            (taken, _chunkTaken) = (_chunkTaken, null);
        }
        taken?.TrySetResult();
    }

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        if (chunk.IsEmpty)
        {
            return;
        }
        TaskCompletionSource taken;
        TaskCompletionSource? arrived;
        lock (_lock)
        {
            if (_readerDone)
            {
                return;
            }
            if (_writerDone || _chunkTaken is not null)
            {
                throw new InvalidOperationException("The body is written by one writer, one write at a time, before it completes.");
            }
            _chunk = chunk;
            taken = _chunkTaken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (arrived, _chunkArrived) = (_chunkArrived, null);
        }
        arrived?.TrySetResult();
        try
        {
            await taken.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The writer's buffer is its own again once this returns: the reader must not copy from it later.
            lock (_lock)
            {
                if (_chunkTaken == taken)
                {
                    _chunk = default;
                    _chunkTaken = null;
                }
            }
            throw;
        }
    }

    private async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }
        while (true)
        {
            var (read, arrived) = TryRead(destination.Span);
            if (arrived is null)
            {
                return read;
            }
            await arrived.Task.WaitAsync(cancellationToken);
        }
    }

    /// <returns>The bytes copied (0 at the end of the body), or, while nothing is written yet, what to wait for.</returns>
    private (int Read, TaskCompletionSource? Arrived) TryRead(Span<byte> destination)
    {
        TaskCompletionSource? taken = null;
        int read;
        lock (_lock)
        {
            if (_chunk.IsEmpty)
            {
                return _writerDone ? (0, null) : (0, _chunkArrived ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }
            read = Math.Min(destination.Length, _chunk.Length);
            _chunk.Span[..read].CopyTo(destination);
            _chunk = _chunk[read..];
            if (_chunk.IsEmpty)
            {
                (taken, _chunkTaken) = (_chunkTaken, null);
            }
        }
        taken?.TrySetResult();
        return (read, null);
    }

    private sealed class WriterStream(BodyHandoff handoff) : WriteOnlyStream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            handoff.WriteAsync(buffer, cancellationToken);
    }

    private sealed class ReaderStream(BodyHandoff handoff) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            handoff.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The body is read asynchronously only.");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
