using System.Text;
using Gateway.Masking;

namespace Gateway.Tests.Masking;

public class GuardedBodyTests
{
    public static TheoryData<byte[]> JsonStarts() => new()
    {
        Encoding.UTF8.GetBytes("{\"ssn\":\"1\"}"),
        Encoding.UTF8.GetBytes(" \r\n\t[1]"),
        Bytes([0xEF, 0xBB, 0xBF, .. "{}"u8]),
        Bytes([0xFF, 0xFE, .. Encoding.Unicode.GetBytes(" {}")]),
        Bytes([0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes("[1]")]),
        Encoding.BigEndianUnicode.GetBytes("{}"),
        Encoding.Unicode.GetBytes("\n{}"),
        Bytes([.. Enumerable.Repeat((byte)' ', PassThroughBody.UndecidedBytes), .. "{}"u8]),
    };

    private static byte[] Bytes(byte[] bytes) => bytes;

    [Theory]
    [MemberData(nameof(JsonStarts))]
    public async Task PassThroughBody_JsonWrittenAByteAtATime_IsRefusedBeforeAnyByteIsPassed(byte[] body)
    {
        using var client = new MemoryStream();
        var guarded = new PassThroughBody(client);

        var refused = await Assert.ThrowsAsync<IOException>(async () =>
        {
            foreach (var b in body)
            {
                await guarded.WriteAsync(new[] { b });
            }
            await guarded.CompleteAsync(CancellationToken.None);
        });

        Assert.True(guarded.Violated, refused.Message);
        Assert.Equal(0, client.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4096)]
    public async Task PassThroughBody_OtherText_PassesWholeAndInOrder(int chunkSize)
    {
        byte[] body = [0xEF, 0xBB, 0xBF, .. "  id,city\nc-1,Lakeside\n"u8];
        using var client = new MemoryStream();
        var guarded = new PassThroughBody(client);

        foreach (var chunk in body.Chunk(chunkSize))
        {
            await guarded.WriteAsync(chunk);
        }
        await guarded.CompleteAsync(CancellationToken.None);

        Assert.False(guarded.Violated);
        Assert.Equal(body, client.ToArray());
    }

    [Fact]
    public async Task PassThroughBody_OnlyWhiteSpace_PassesAtTheEnd()
    {
        using var client = new MemoryStream();
        var guarded = new PassThroughBody(client);

        await guarded.WriteAsync("  \n"u8.ToArray());
        Assert.Equal(0, client.Length);
        await guarded.CompleteAsync(CancellationToken.None);

        Assert.Equal("  \n"u8.ToArray(), client.ToArray());
    }

    [Fact]
    public async Task EmptyOnlyBody_AnyByte_IsRefused()
    {
        var guarded = new EmptyOnlyBody("upstream_framing_invalid", "declared empty");

        await guarded.WriteAsync(Array.Empty<byte>());
        Assert.False(guarded.Violated);
        await Assert.ThrowsAsync<IOException>(async () => await guarded.WriteAsync(new byte[] { (byte)'{' }));

        Assert.True(guarded.Violated);
    }
}
