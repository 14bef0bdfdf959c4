using System.Buffers;

namespace Gateway.Masking;

/// <summary>
/// The 16 KB chunks in which a response's subject list and consent report keep a long list. They
/// live as long as the response and its audit event (seconds for a 10 MB list), so as garbage they
/// died only in gen 2 and piled up there between full collections: with fifty such responses in
/// flight, most of the heap's swing. Pooled, they are reused instead (docs/performance.md).
/// </summary>
public static class ReportChunkPool
{
    public const int ChunkBytes = 16 * 1024;

    /// <summary>Enough for about fifty 10 000-subject responses in flight (16 MB); beyond it chunks are allocated and dropped as before.</summary>
    private const int MaxPooledChunks = 1024;

    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(ChunkBytes, MaxPooledChunks);

    /// <summary>A chunk of exactly <see cref="ChunkBytes"/>, possibly one used before: read only what was written into it.</summary>
    public static byte[] Rent() => Pool.Rent(ChunkBytes);

    /// <summary>
    /// Gives back every chunk of <paramref name="chunks"/> that came from here (the smaller ones a
    /// list starts with never did) and empties the list. Cleared on return, so one response's
    /// subjects can never surface in another's report.
    /// </summary>
    public static void ReturnAll(List<byte[]> chunks)
    {
        foreach (var chunk in chunks)
        {
            if (chunk.Length == ChunkBytes)
            {
                Pool.Return(chunk, clearArray: true);
            }
        }
        chunks.Clear();
    }
}
