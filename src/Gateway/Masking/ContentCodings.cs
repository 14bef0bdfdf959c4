using System.IO.Compression;

namespace Gateway.Masking;

/// <summary>The content codings the masker decodes (RFC 9110 §8.4.1: <c>x-gzip</c> is gzip).</summary>
internal static class ContentCodings
{
    public static bool IsDecodable(string coding) => Normalized(coding) is not null;

    /// <summary>The body decoded; <paramref name="coding"/> null or identity leaves it as it is.</summary>
    public static Stream Decoder(Stream body, string? coding) => coding is null ? body : Normalized(coding) switch
    {
        "identity" => body,
        "gzip" => new GZipStream(body, CompressionMode.Decompress),
        "deflate" => new ZLibStream(body, CompressionMode.Decompress),
        "br" => new BrotliStream(body, CompressionMode.Decompress),
        _ => throw new InvalidDataException($"The content coding '{coding}' cannot be decoded."),
    };

    private static string? Normalized(string coding) => coding.Trim().ToLowerInvariant() switch
    {
        "identity" => "identity",
        "gzip" or "x-gzip" => "gzip",
        "deflate" => "deflate",
        "br" => "br",
        _ => null,
    };
}
