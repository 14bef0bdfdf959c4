using System.Buffers.Text;
using System.Text;
using Gateway.Identity;

namespace Gateway.Tests.Identity;

public sealed class StrictCompactJwsTests
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private const long Now = 1_800_000_000;
    private const string Header = """{"alg":"RS256","kid":"k","typ":"at+jwt"}""";
    private const string Payload = """{"iss":"https://idp","sub":"u","iat":1800000000,"nbf":1800000000,"exp":1800000600,"realm_access":{"roles":["a"]},"act":{"sub":"s"}}""";
    private static readonly string Signature = Base64Url.EncodeToString(new byte[256].Select((_, i) => (byte)i).ToArray());

    [Fact]
    public void FindFault_CanonicalToken_None()
    {
        Assert.Null(Fault(Token(Header, Payload)));
    }

    [Fact]
    public void FindFault_EmptySignature_LeftToTheLibrary()
    {
        Assert.Null(Fault($"{Segment(Header)}.{Segment(Payload)}."));
    }

    [Theory]
    [InlineData("=")]
    [InlineData("==")]
    [InlineData("AAA")]
    [InlineData("\t")]
    [InlineData("+")]
    [InlineData("/")]
    [InlineData("%3D")]
    public void FindFault_SignatureNotCanonical_MalformedEncoding(string appended)
    {
        Assert.Equal("token_malformed_encoding", Fault(Token(Header, Payload) + appended));
    }

    [Fact]
    public void FindFault_HeaderOrPayloadPaddedOrInTheOtherAlphabet_MalformedEncoding()
    {
        var padded = Convert.ToBase64String(Encoding.UTF8.GetBytes(Header));
        Assert.EndsWith("=", padded);

        Assert.Equal("token_malformed_encoding", Fault($"{padded}.{Segment(Payload)}.{Signature}"));
        Assert.Equal("token_malformed_encoding", Fault($"{Segment(Header)}.{Segment(Payload)}=.{Signature}"));
        Assert.Equal("token_malformed_encoding", Fault($"{Segment(Header)}.{Segment(Payload).Replace('-', '+')}+.{Signature}"));
    }

    [Fact]
    public void FindFault_NonZeroTrailingBits_MalformedEncoding_ThoughTheBytesAreTheSame()
    {
        var payload = Segment(Payload);
        Assert.NotEqual(0, payload.Length % 4);
        var last = Alphabet.IndexOf(payload[^1]);
        var variant = payload[..^1] + Alphabet[last | 1];
        // A lenient decoder ignores those bits: to it the two texts are the same payload.
        Assert.Equal(Lenient(payload), Lenient(variant));

        Assert.Equal("token_malformed_encoding", Fault($"{Segment(Header)}.{variant}.{Signature}"));
    }

    /// <summary>Every final group of two and three characters: canonical exactly when decoding and re-encoding it gives it back, worked out here bit by bit.</summary>
    [Fact]
    public void IsCanonical_FinalGroups_ExactlyThoseWhoseUnusedBitsAreZero()
    {
        foreach (var a in Alphabet)
        {
            foreach (var b in Alphabet)
            {
                Assert.Equal((Alphabet.IndexOf(b) & 0b1111) == 0, StrictCompactJws.IsCanonical($"AAAA{a}{b}"));
                foreach (var c in "AB_")
                {
                    Assert.Equal((Alphabet.IndexOf(c) & 0b11) == 0, StrictCompactJws.IsCanonical($"{a}{b}{c}"));
                }
            }
        }
        Assert.True(StrictCompactJws.IsCanonical(""));
        Assert.False(StrictCompactJws.IsCanonical("AAAAA"));
        Assert.False(StrictCompactJws.IsCanonical("AA=="));
        Assert.False(StrictCompactJws.IsCanonical("AA AA"));
    }

    [Theory]
    [InlineData("""["a"]""")]
    [InlineData("\"text\"")]
    [InlineData("{\"a\":1}{}")]
    [InlineData("{\"a\":1,}")]
    [InlineData("{\"a\":1 /* note */}")]
    [InlineData("{\"a\":1")]
    [InlineData("\uFEFF{\"a\":1}")]
    [InlineData("{\"\\ud800\":1}")]
    [InlineData("")]
    public void FindFault_HeaderNotOneJsonObject_Malformed(string header)
    {
        Assert.Equal("token_malformed", Fault(Token(header, Payload)));
    }

    [Fact]
    public void FindFault_PayloadNotUtf8_Malformed()
    {
        var payload = Base64Url.EncodeToString([.. "{\"sub\":\""u8, 0xC3, 0x28, .. "\"}"u8]);

        Assert.Equal("token_malformed", Fault($"{Segment(Header)}.{payload}.{Signature}"));
    }

    [Fact]
    public void FindFault_PayloadNestedDeeperThanTheReaderAllows_Malformed()
    {
        var deep = "{\"a\":" + string.Concat(Enumerable.Repeat("[", 100)) + string.Concat(Enumerable.Repeat("]", 100)) + "}";

        Assert.Equal("token_malformed", Fault(Token(Header, deep)));
    }

    [Theory]
    [InlineData("""{"alg":"none","alg":"RS256"}""", Payload)]
    [InlineData(Header, """{"sub":"admin","sub":"u","exp":1800000600}""")]
    [InlineData(Header, """{"\u0073ub":"admin","sub":"u","exp":1800000600}""")]
    [InlineData(Header, """{"sub":"u","realm_access":{"roles":["a"],"roles":["b"]}}""")]
    [InlineData(Header, """{"sub":"u","list":[{"x":1},{"x":1,"x":2}]}""")]
    [InlineData(Header, """{"sub":"u","a":{"b":{"c":{"d":1,"d":1}}}}""")]
    public void FindFault_DuplicateMemberAtAnyDepth_DuplicateMember(string header, string payload)
    {
        Assert.Equal("token_duplicate_member", Fault(Token(header, payload)));
    }

    [Fact]
    public void FindFault_SameNameInDifferentObjects_None()
    {
        Assert.Null(Fault(Token(Header, """{"sub":"u","a":{"sub":1,"x":{"sub":2}},"b":[{"sub":3},{"sub":4}],"c":{"sub":5}}""")));
    }

    [Fact]
    public void FindFault_ManyMembers_DuplicateFoundOnlyWhenThereIsOne()
    {
        var members = string.Join(',', Enumerable.Range(0, 3000).Select(i => $"\"m{i}\":{i}"));

        Assert.Null(Fault(Token(Header, $"{{{members}}}")));
        Assert.Equal("token_duplicate_member", Fault(Token(Header, $"{{{members},\"m1234\":0}}")));
    }

    [Theory]
    [InlineData("exp", "\"1800000600\"")]
    [InlineData("nbf", "\"1800000000\"")]
    [InlineData("iat", "\"1800000000\"")]
    [InlineData("exp", "null")]
    [InlineData("exp", "true")]
    [InlineData("exp", "[1800000600]")]
    [InlineData("exp", "{\"at\":1800000600}")]
    [InlineData("\\u0065xp", "\"1800000600\"")]
    public void FindFault_DateClaimNotANumber_ClaimType(string name, string value)
    {
        Assert.Equal("token_claim_type", Fault(Token(Header, $$"""{"sub":"u","{{name}}":{{value}}}""")));
    }

    [Fact]
    public void FindFault_DateNamesInsideNestedObjects_AreNotClaims()
    {
        Assert.Null(Fault(Token(Header, """{"sub":"u","exp":1800000600,"act":{"exp":"later","iat":"x"}}""")));
    }

    [Theory]
    [InlineData("1800000030", null)]
    [InlineData("1800000030.0", null)]
    [InlineData("1799999999", null)]
    [InlineData("1800000030.5", "token_issued_in_future")]
    [InlineData("1800000031", "token_issued_in_future")]
    [InlineData("1e300", "token_issued_in_future")]
    [InlineData("1e400", "token_claim_type")]
    public void FindFault_IssuedAt_RefusedOnlyBeyondTheSkew(string iat, string? expected)
    {
        Assert.Equal(expected, StrictCompactJws.FindFault(Token(Header, $$"""{"sub":"u","iat":{{iat}}}"""), latestIssuedAt: Now + 30));
    }

    [Theory]
    [InlineData("""{"alg":"RS256","crit":["exp"]}""")]
    [InlineData("""{"alg":"RS256","cr\u0069t":["b64"],"b64":false}""")]
    public void FindFault_CritInTheHeader_CritUnsupported(string header)
    {
        Assert.Equal("crit_unsupported", Fault(Token(header, Payload)));
    }

    [Fact]
    public void FindFault_CritAsAClaim_None()
    {
        Assert.Null(Fault(Token(Header, """{"sub":"u","crit":["x"]}""")));
    }

    [Fact]
    public void FindFault_TokenLargerThanTheStackBuffer_CheckedAllTheSame()
    {
        var large = $$"""{"sub":"u","padding":"{{new string('x', 6000)}}"}""";

        Assert.Null(Fault(Token(Header, large)));
        Assert.Equal("token_duplicate_member", Fault(Token(Header, large[..^1] + ",\"sub\":\"v\"}")));
        Assert.Equal("token_claim_type", Fault(Token(Header, large[..^1] + ",\"exp\":\"1\"}")));
    }

    [Fact]
    public void FindFault_MoreOrFewerSegments_Malformed()
    {
        Assert.Equal("token_malformed", Fault($"{Segment(Header)}.{Segment(Payload)}"));
        Assert.Equal("token_malformed", Fault(Token(Header, Payload) + ".AAAA"));
    }

    private static string? Fault(string token) => StrictCompactJws.FindFault(token, Now + 30);

    private static string Token(string header, string payload) => $"{Segment(header)}.{Segment(payload)}.{Signature}";

    private static byte[] Lenient(string base64Url) =>
        Convert.FromBase64String(base64Url.Replace('-', '+').Replace('_', '/').PadRight((base64Url.Length + 3) / 4 * 4, '='));

    private static string Segment(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
}
