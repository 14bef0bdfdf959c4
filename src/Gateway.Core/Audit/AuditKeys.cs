using System.Security.Cryptography;
using System.Text;
using Gateway.Core.Hosting;

namespace Gateway.Core.Audit;

/// <summary>
/// The two keys derived from <c>Gateway:Audit:KeyFile</c>: one pseudonymises data subjects' ids
/// (so "who saw this person?" can be answered by anyone holding the key, and by no one else),
/// one chains the events. Separate derivations, so publishing a pseudonym never helps forge a hash.
/// </summary>
public sealed class AuditKeys
{
    public const int ChainHashChars = 64;
    private readonly byte[] _subjectKey;
    private readonly byte[] _chainKey;

    public AuditKeys(byte[] masterKey)
    {
        _subjectKey = HMACSHA256.HashData(masterKey, "compliance-gateway/subject-id/v1"u8);
        _chainKey = HMACSHA256.HashData(masterKey, "compliance-gateway/audit-chain/v1"u8);
    }

    public static AuditKeys FromFile(string path) => new(SecretKeyFile.Read(path, "Gateway:Audit:KeyFile"));

    /// <summary>A subject id as it appears in events and in the consent store: 128 bits of HMAC, hex.</summary>
    public string Pseudonym(string subjectId)
    {
        Span<byte> mac = stackalloc byte[32];
        var length = Encoding.UTF8.GetMaxByteCount(subjectId.Length);
        var utf8 = length <= 512 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(subjectId, utf8);
        HMACSHA256.HashData(_subjectKey, utf8[..written], mac);
        return Convert.ToHexStringLower(mac[..16]);
    }

    /// <summary>The chain hash of one event's exact JSON bytes (which hold the previous event's hash).</summary>
    public string ChainHash(ReadOnlySpan<byte> eventJson)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_chainKey, eventJson, mac);
        return Convert.ToHexStringLower(mac);
    }
}
