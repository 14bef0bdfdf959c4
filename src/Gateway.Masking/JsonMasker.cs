using System.Buffers;
using System.Text.Json;
using Gateway.Masking.Rules;

namespace Gateway.Masking;

/// <summary>
/// Masks a UTF-8 JSON body as a stream: a resumable <see cref="Utf8JsonReader"/> over a pooled
/// buffer is read token by token into pooled output that is sent after every read, so memory does not grow with the
/// body (only with its largest single value). No DOM is ever built. Any body it cannot read
/// completely and exactly is refused with a <see cref="MaskingException"/>; the caller must then
/// discard whatever was written (masked output only ever reaches <c>output</c> chunk by chunk). No ASP.NET dependency: the proxy, the CLI and the benchmarks share it.
/// </summary>
public sealed class JsonMasker(MaskingLimits limits)
{
    private const int InitialBufferBytes = 16 * 1024;
    public MaskingLimits Limits { get; } = limits;

    /// <param name="lines">NDJSON: the body is a sequence of JSON values, each masked and written on its own line.</param>
    /// <param name="gate">Decides which records may leave; their masked bytes are held back until it has.</param>
    public Task<MaskingReport> MaskAsync(Stream input, Stream output, CompiledRules rules, CompiledEntity entity, MaskingView view, CancellationToken cancellationToken, bool lines = false, IRecordGate? gate = null) =>
        MaskAsync(input, output, rules, entity, view, lines, gate, trail: null, cancellationToken);

    /// <summary>
    /// Masks a body exactly as <see cref="MaskAsync(Stream, Stream, CompiledRules, CompiledEntity, MaskingView, CancellationToken, bool, IRecordGate?)"/>
    /// does, and also lists every value it changed with its JSON Pointer, class and action: what
    /// the console's playground highlights. Slower (it follows the pointer of every value), so
    /// the proxy never calls it.
    /// </summary>
    public async Task<MaskingPreview> PreviewAsync(Stream input, Stream output, CompiledRules rules, CompiledEntity entity, MaskingView view, CancellationToken cancellationToken)
    {
        var trail = new ChangeTrail(rules.Classes, view);
        var report = await MaskAsync(input, output, rules, entity, view, lines: false, gate: null, trail, cancellationToken);
        return new MaskingPreview(report, trail.Changes);
    }

    private async Task<MaskingReport> MaskAsync(Stream input, Stream output, CompiledRules rules, CompiledEntity entity, MaskingView view, bool lines, IRecordGate? gate, ChangeTrail? trail, CancellationToken cancellationToken)
    {
        using var masked = new PooledBufferWriter(InitialBufferBytes);
        using var released = gate is null ? null : new PooledBufferWriter(InitialBufferBytes);
        var hold = gate is null ? null : new RecordHold(gate, rules, entity, Limits, lines, masked);
        var session = new MaskingSession(entity, view, Limits, lines, hold, trail);
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        try
        {
            var state = new JsonReaderState(new JsonReaderOptions { MaxDepth = Limits.MaxDepth + 1, CommentHandling = JsonCommentHandling.Disallow, AllowMultipleValues = lines });
            var filled = 0;
            var total = 0L;
            var final = false;
            var first = true;
            while (true)
            {
                if (!final && !session.Paused)
                {
                    var read = await input.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                    final = read == 0;
                    filled += read;
                    total += read;
                    if (total > Limits.MaxBodyBytes)
                    {
                        throw new MaskingException("body_too_large", $"The body exceeds {Limits.MaxBodyBytes} bytes.");
                    }
                }
                var start = 0;
                if (first && (filled >= 3 || final))
                {
                    start = ByteOrderMark(buffer.AsSpan(0, filled));
                    first = false;
                }
                else if (first)
                {
                    continue;
                }
                var consumed = start + session.Process(buffer.AsMemory(start, filled - start), final, ref state, masked);
                var done = final && !session.Paused;
                if (done)
                {
                    session.Finish(filled - consumed);
                }
                if (hold is null)
                {
                    if (masked.Written.Length > 0)
                    {
                        await output.WriteAsync(masked.Written, cancellationToken);
                        masked.Clear();
                    }
                }
                else if (done || hold.DueForRelease(masked.Written.Length))
                {
                    await output.WriteAsync(await hold.ReleaseAsync(released!, cancellationToken), cancellationToken);
                    released!.Clear();
                    masked.Clear();
                }
                if (done)
                {
                    return session.Report(rules.Version);
                }
                filled -= consumed;
                buffer.AsSpan(consumed, filled).CopyTo(buffer);
                if (filled == buffer.Length && !session.Paused)
                {
                    buffer = Grow(buffer, filled);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Skips a UTF-8 byte order mark; refuses UTF-16/32 (JSON on the wire is UTF-8, RFC 8259).</summary>
    private static int ByteOrderMark(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return 3;
        }
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || (head.Length >= 2 && (head[0] == 0 || head[1] == 0)))
        {
            throw new MaskingException("not_utf8", "The body is not UTF-8 JSON (UTF-16 or UTF-32).");
        }
        return 0;
    }

    /// <summary>A token did not fit: grow the buffer, but never beyond the largest value allowed.</summary>
    private byte[] Grow(byte[] buffer, int filled)
    {
        if (buffer.Length >= Limits.MaxValueBytes + InitialBufferBytes)
        {
            throw new MaskingException("value_too_large", $"A single value exceeds {Limits.MaxValueBytes} bytes.");
        }
        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, Limits.MaxValueBytes + InitialBufferBytes));
        buffer.AsSpan(0, filled).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }
}
