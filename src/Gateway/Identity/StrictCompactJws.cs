using System.Buffers;
using System.Buffers.Text;
using System.Numerics;
using System.Text.Json;
using System.Text.Unicode;

namespace Gateway.Identity;

/// <summary>
/// A strict reading of a compact JWS before the token library sees it. The library is lenient
/// where leniency lets one token mean different things to different readers: it decodes padded
/// and otherwise non-canonical base64url (the same bytes from other text, so a token that differs
/// from one already seen, or logged, or revoked, still verifies), takes the last of two members
/// of the same name where other parsers take the first, and reads a date given as a string. A
/// token any of that applies to is refused however validly it is signed, with a reason of its own:
/// <list type="bullet">
/// <item><c>token_malformed_encoding</c>: a segment is not canonical base64url (a character outside
/// the URL-safe alphabet, <c>=</c> padding, whitespace, a length no encoder produces, or non-zero
/// bits after the last byte: only text that re-encodes to itself is taken);</item>
/// <item><c>token_malformed</c>: the header or payload is not one UTF-8 JSON object;</item>
/// <item><c>token_duplicate_member</c>: an object, at any depth, names a member twice (compared
/// unescaped, so <c>"\u0073ub"</c> is <c>"sub"</c>);</item>
/// <item><c>token_claim_type</c>: <c>exp</c>, <c>nbf</c> or <c>iat</c> is not a JSON number;</item>
/// <item><c>token_issued_in_future</c>: <c>iat</c> is later than now plus the clock skew;</item>
/// <item><c>crit_unsupported</c>: the header has <c>crit</c> (the gateway understands no extension).</item>
/// </list>
/// It runs only for tokens not validated before, and allocates nothing: segments are decoded on
/// the stack (or into pooled arrays when large) and member names are tracked in pooled arrays.
/// </summary>
internal static class StrictCompactJws
{
    public const string MalformedEncoding = "token_malformed_encoding";
    public const string Malformed = "token_malformed";
    public const string DuplicateMember = "token_duplicate_member";
    public const string ClaimType = "token_claim_type";
    public const string IssuedInFuture = "token_issued_in_future";
    public const string CritUnsupported = "crit_unsupported";

    private const int MaxDepth = 64;
    private const int DecodedOnStack = 2048;

    private static readonly SearchValues<char> Base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    // The defaults are the strict ones: no comments, no trailing commas, one value only.
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    /// <param name="token">A token of exactly three dot-separated segments.</param>
    /// <param name="latestIssuedAt">The latest <c>iat</c> accepted, in Unix seconds: now plus the clock skew.</param>
    /// <returns>Null when the token may go on to the library; otherwise why it is refused.</returns>
    public static string? FindFault(ReadOnlySpan<char> token, double latestIssuedAt)
    {
        var firstDot = token.IndexOf('.');
        var lastDot = token.LastIndexOf('.');
        if (firstDot < 0 || firstDot == lastDot || token[(firstDot + 1)..lastDot].Contains('.'))
        {
            return Malformed;
        }
        var header = token[..firstDot];
        var payload = token[(firstDot + 1)..lastDot];
        if (!IsCanonical(header) || !IsCanonical(payload) || !IsCanonical(token[(lastDot + 1)..]))
        {
            return MalformedEncoding;
        }

        var headerLength = DecodedLength(header.Length);
        var payloadLength = DecodedLength(payload.Length);
        byte[]? rented = null;
        Span<byte> decoded = headerLength + payloadLength <= DecodedOnStack
            ? stackalloc byte[DecodedOnStack]
            : rented = ArrayPool<byte>.Shared.Rent(headerLength + payloadLength);
        var names = new MemberNames(Math.Max(headerLength, payloadLength));
        try
        {
            var headerJson = decoded[..headerLength];
            var payloadJson = decoded.Slice(headerLength, payloadLength);
            Base64Url.DecodeFromChars(header, headerJson);
            Base64Url.DecodeFromChars(payload, payloadJson);
            return FindFault(headerJson, isPayload: false, latestIssuedAt, ref names)
                ?? FindFault(payloadJson, isPayload: true, latestIssuedAt, ref names);
        }
        finally
        {
            names.Dispose();
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Only characters of the URL-safe alphabet, no padding, and a final group that re-encodes to
    /// itself: two or three trailing characters carry four or two bits more than the bytes they
    /// stand for, and a decoder ignores those bits, so only the encoding with them zero is taken.
    /// Every other group maps one to one to its bytes.
    /// </summary>
    internal static bool IsCanonical(ReadOnlySpan<char> segment)
    {
        if (segment.ContainsAnyExcept(Base64UrlAlphabet))
        {
            return false;
        }
        var tail = segment.Length % 4;
        if (tail == 0)
        {
            return true;
        }
        if (tail == 1)
        {
            return false;
        }
        var group = segment[^tail..];
        Span<byte> bytes = stackalloc byte[2];
        Span<char> reencoded = stackalloc char[3];
        return Base64Url.DecodeFromChars(group, bytes, out _, out var written) == OperationStatus.Done
            && Base64Url.TryEncodeToChars(bytes[..written], reencoded, out var length)
            && reencoded[..length].SequenceEqual(group);
    }

    private static int DecodedLength(int characters) => characters / 4 * 3 + (characters % 4 == 0 ? 0 : characters % 4 - 1);

    private static string? FindFault(scoped ReadOnlySpan<byte> json, bool isPayload, double latestIssuedAt, ref MemberNames names)
    {
        if (!Utf8.IsValid(json))
        {
            return Malformed;
        }
        names.Reset(json.Length);
        Span<int> objectAtDepth = stackalloc int[MaxDepth + 1];
        var objects = 0;
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Malformed;
            }
            objectAtDepth[0] = objects++;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    objectAtDepth[reader.CurrentDepth] = objects++;
                }
                else if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (!names.Add(objectAtDepth[reader.CurrentDepth - 1], reader.CopyString(names.Free)))
                    {
                        return DuplicateMember;
                    }
                    if (reader.CurrentDepth == 1
                        && (isPayload ? DateClaimFault(ref reader, latestIssuedAt) : HeaderMemberFault(ref reader)) is { } fault)
                    {
                        return fault;
                    }
                }
            }
            return null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, trailing data, too deep, or an escape that is not Unicode (a lone surrogate).
            return Malformed;
        }
    }

    private static string? HeaderMemberFault(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("crit"u8) ? CritUnsupported : null;

    /// <summary>RFC 7519 NumericDate claims are JSON numbers; a reader that also takes "1700000000" is one an issuer's mistake or an attacker can count on.</summary>
    private static string? DateClaimFault(ref Utf8JsonReader reader, double latestIssuedAt)
    {
        var issuedAt = reader.ValueTextEquals("iat"u8);
        if (!issuedAt && !reader.ValueTextEquals("exp"u8) && !reader.ValueTextEquals("nbf"u8))
        {
            return null;
        }
        if (!reader.Read() || reader.TokenType != JsonTokenType.Number)
        {
            return ClaimType;
        }
        if (!issuedAt)
        {
            return null;
        }
        if (!reader.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            return ClaimType;
        }
        return value > latestIssuedAt ? IssuedInFuture : null;
    }

    /// <summary>
    /// The member names of every object read so far, unescaped, in an open-addressing table keyed
    /// by (object, name) with the process's randomised hash: finding a duplicate costs the same
    /// whatever names a token holds, and an object of thousands of members is no slower per member.
    /// </summary>
    private ref struct MemberNames
    {
        // Per entry: object, hash, start of the name in _names, its length.
        private const int EntryInts = 4;

        private readonly int[] _ints;
        private readonly byte[] _names;
        private Span<int> _slots;
        private Span<int> _entries;
        private int _count;
        private int _namesUsed;

        public MemberNames(int largestJson)
        {
            var (slots, entries) = Capacity(largestJson);
            _ints = ArrayPool<int>.Shared.Rent(slots + entries * EntryInts);
            _names = ArrayPool<byte>.Shared.Rent(Math.Max(largestJson, 1));
        }

        /// <summary>Empties the table for a JSON text of <paramref name="jsonLength"/> bytes.</summary>
        public void Reset(int jsonLength)
        {
            var (slots, entries) = Capacity(jsonLength);
            _slots = _ints.AsSpan(0, slots);
            _slots.Clear();
            _entries = _ints.AsSpan(slots, entries * EntryInts);
            _count = 0;
            _namesUsed = 0;
        }

        /// <summary>Where the next name is to be copied (unescaped) before <see cref="Add"/>.</summary>
        public readonly Span<byte> Free => _names.AsSpan(_namesUsed);

        /// <param name="written">The length of the name just copied into <see cref="Free"/>.</param>
        /// <returns>False when the object already has a member of this name.</returns>
        public bool Add(int objectId, int written)
        {
            var name = _names.AsSpan(_namesUsed, written);
            var hashing = new HashCode();
            hashing.Add(objectId);
            hashing.AddBytes(name);
            var hash = hashing.ToHashCode();
            var mask = _slots.Length - 1;
            for (var slot = hash & mask; ; slot = (slot + 1) & mask)
            {
                var occupant = _slots[slot] - 1;
                if (occupant < 0)
                {
                    _slots[slot] = _count + 1;
                    var added = _entries.Slice(_count * EntryInts, EntryInts);
                    (added[0], added[1], added[2], added[3]) = (objectId, hash, _namesUsed, written);
                    _count++;
                    _namesUsed += written;
                    return true;
                }
                var entry = _entries.Slice(occupant * EntryInts, EntryInts);
                if (entry[0] == objectId && entry[1] == hash && _names.AsSpan(entry[2], entry[3]).SequenceEqual(name))
                {
                    return false;
                }
            }
        }

        public readonly void Dispose()
        {
            ArrayPool<int>.Shared.Return(_ints);
            ArrayPool<byte>.Shared.Return(_names);
        }

        /// <summary>
        /// A member takes at least four bytes (<c>"":0</c>) and a separator, so a JSON text of n
        /// bytes has at most n / 4 + 1 of them; the table is kept at most half full.
        /// </summary>
        private static (int Slots, int Entries) Capacity(int jsonLength)
        {
            var entries = jsonLength / 4 + 1;
            return ((int)BitOperations.RoundUpToPowerOf2((uint)entries * 2), entries);
        }
    }
}
