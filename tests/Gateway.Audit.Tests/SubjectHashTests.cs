using System.Text;
using Gateway.Masking;

namespace Gateway.Audit.Tests;

public sealed class SubjectHashTests
{
    private static readonly SubjectPseudonymizer Pseudonymizer = new(SubjectPseudonymizer.DeriveKey(Encoding.UTF8.GetBytes("a test master key of at least 32 bytes")));

    [Theory]
    [InlineData("c-1")]
    [InlineData("cé-2")]
    [InlineData("")]
    public void The_value_is_written_as_the_same_hex_the_audit_events_and_the_consent_store_use(string id)
    {
        var hash = Pseudonymizer.Hash(Encoding.UTF8.GetBytes(id));
        Span<char> hex = stackalloc char[SubjectHash.HexChars];
        hash.WriteHex(hex);

        Assert.Equal(Pseudonymizer.Pseudonym(id), hash.ToString());
        Assert.Equal(hash.ToString(), hex.ToString());
        Assert.Matches("^[0-9a-f]{32}$", hash.ToString());
        Assert.True(SubjectHash.TryParse(hash.ToString(), out var parsed));
        Assert.Equal(hash, parsed);
        Assert.True(SubjectHash.TryParse(hash.ToString().ToUpperInvariant(), out var upper));
        Assert.Equal(hash, upper);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("")]
    [InlineData("ada@example.com")]
    [InlineData("0123456789abcdef0123456789abcde")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    [InlineData("0123456789abcdef0123456789abcdeg")]
    public void Anything_but_32_hex_characters_is_not_a_subject_hash(string text) =>
        Assert.False(SubjectHash.TryParse(text, out _));

    [Fact]
    public void Different_ids_give_different_values_and_bytes_follow_the_hex_order()
    {
        var one = Pseudonymizer.Hash("c-1"u8);
        var two = Pseudonymizer.Hash("c-2"u8);
        Span<byte> bytes = stackalloc byte[SubjectHash.Bytes];
        one.WriteBytes(bytes);

        Assert.NotEqual(one, two);
        Assert.Equal(one.ToString(), Convert.ToHexStringLower(bytes));
        Assert.Equal(one, SubjectHash.FromBytes(bytes));
    }
}
