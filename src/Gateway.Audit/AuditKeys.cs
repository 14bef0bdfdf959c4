using System.Security.Cryptography;
using System.Text;
using Gateway.Masking;

namespace Gateway.Audit;

/// <summary>
/// The two keys derived from <c>Gateway:Audit:KeyFile</c>: one pseudonymises data subjects' ids
/// (so "who saw this person?" can be answered by anyone holding the key, and by no one else),
/// one chains the events. Separate derivations, so publishing a pseudonym never helps forge a hash.
/// Keyed once and reused (a one-shot HMAC sets up a new keyed context per call, which made
/// chaining an event with 20 subjects cost 37 µs), so an instance serves one thread at a time.
/// </summary>
public sealed class AuditKeys : IDisposable
{
    public const int ChainHashChars = 64;
    private readonly SubjectPseudonymizer _subject;
    private readonly IncrementalHash _chain;

    public AuditKeys(byte[] masterKey)
    {
        _subject = new SubjectPseudonymizer(SubjectPseudonymizer.DeriveKey(masterKey));
        _chain = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, HMACSHA256.HashData(masterKey, "compliance-gateway/audit-chain/v1"u8));
    }

    public static AuditKeys FromFile(string path) => new(SecretKeyFile.Read(path, "Gateway:Audit:KeyFile"));

    /// <summary>A subject id as it appears in events and in the consent store: 128 bits of HMAC, hex.</summary>
    public string Pseudonym(string subjectId) => _subject.Pseudonym(subjectId);

    /// <summary>The same pseudonym, from the id's UTF-8 bytes, written into <paramref name="hex"/> (<see cref="SubjectPseudonymizer.PseudonymChars"/> characters).</summary>
    internal void Pseudonym(ReadOnlySpan<byte> subjectIdUtf8, Span<char> hex) => _subject.Pseudonym(subjectIdUtf8, hex);

    /// <summary>The chain hash of one event's exact JSON bytes (which hold the previous event's hash).</summary>
    internal string ChainHash(ReadOnlySpan<byte> eventJson)
    {
        Span<byte> mac = stackalloc byte[32];
        _chain.AppendData(eventJson);
        _chain.GetHashAndReset(mac);
        return Convert.ToHexStringLower(mac);
    }

    public void Dispose()
    {
        _subject.Dispose();
        _chain.Dispose();
    }
}

/// <summary>
/// Turns subject ids into their keyed hashes (the same in audit events and in the consent store).
/// Keyed once and reused, so an instance serves one thread at a time.
/// </summary>
public sealed class SubjectPseudonymizer(byte[] subjectKey) : IDisposable
{
    /// <summary>128 bits of HMAC, in hex.</summary>
    internal const int PseudonymChars = SubjectHash.HexChars;

    private readonly IncrementalHash _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, subjectKey);

    /// <summary>The subject-id key, derived from the master key apart from the chain key.</summary>
    public static byte[] DeriveKey(byte[] masterKey) => HMACSHA256.HashData(masterKey, "compliance-gateway/subject-id/v1"u8);

    public string Pseudonym(string subjectId)
    {
        var length = Encoding.UTF8.GetMaxByteCount(subjectId.Length);
        var utf8 = length <= 512 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(subjectId, utf8);
        return Hash(utf8[..written]).ToString();
    }

    /// <summary>The same pseudonym written into <paramref name="hex"/>, without making a string.</summary>
    internal void Pseudonym(ReadOnlySpan<byte> subjectIdUtf8, Span<char> hex) => Hash(subjectIdUtf8).WriteHex(hex);

    /// <summary>The pseudonym as a value, from the id's UTF-8 bytes.</summary>
    public SubjectHash Hash(ReadOnlySpan<byte> subjectIdUtf8)
    {
        Span<byte> mac = stackalloc byte[32];
        _hmac.AppendData(subjectIdUtf8);
        _hmac.GetHashAndReset(mac);
        return SubjectHash.FromBytes(mac);
    }

    public void Dispose() => _hmac.Dispose();
}
