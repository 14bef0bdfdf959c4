using System.Buffers;
using System.Buffers.Binary;

namespace Gateway.Masking;

/// <summary>
/// A data subject's keyed hash (the first 128 bits of the HMAC of its id) as a value, so that a
/// list of 15 000 subjects costs no string per subject. Written as 32 lowercase hex characters in
/// audit events, consent store keys and change announcements.
/// </summary>
public readonly record struct SubjectHash(UInt128 Value)
{
    public const int Bytes = 16;

    public const int HexChars = 2 * Bytes;

    public static SubjectHash FromBytes(ReadOnlySpan<byte> bytes) => new(BinaryPrimitives.ReadUInt128BigEndian(bytes));

    /// <summary>Reads the hex form (either case); false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> hex, out SubjectHash hash)
    {
        Span<byte> bytes = stackalloc byte[Bytes];
        if (hex.Length == HexChars && Convert.FromHexString(hex, bytes, out _, out var written) == OperationStatus.Done && written == Bytes)
        {
            hash = FromBytes(bytes);
            return true;
        }
        hash = default;
        return false;
    }

    public void WriteBytes(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, Value);

    public void WriteHex(Span<char> destination)
    {
        Span<byte> bytes = stackalloc byte[Bytes];
        WriteBytes(bytes);
        Convert.TryToHexStringLower(bytes, destination, out _);
    }

    public override string ToString() => string.Create(HexChars, this, static (chars, hash) => hash.WriteHex(chars));
}
