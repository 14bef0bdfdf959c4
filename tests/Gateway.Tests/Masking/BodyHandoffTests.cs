using Gateway.Masking;

namespace Gateway.Tests.Masking;

public class BodyHandoffTests
{
    [Theory]
    [InlineData(65536, 16384)]
    [InlineData(1000, 7)]
    [InlineData(3, 65536)]
    public async Task Reader_GetsEveryByteInOrder_WhateverTheChunkAndReadSizes(int chunkSize, int readSize)
    {
        var body = new byte[200_003];
        new Random(5).NextBytes(body);
        var handoff = new BodyHandoff();

        var reading = ReadAllAsync(handoff.Reader, readSize);
        for (var offset = 0; offset < body.Length; offset += chunkSize)
        {
            // The writer's buffer is reused as YARP reuses its own: a reader copying too late would see the next chunk.
            var chunk = body.AsSpan(offset, Math.Min(chunkSize, body.Length - offset)).ToArray();
            await handoff.Writer.WriteAsync(chunk);
            Array.Clear(chunk);
        }
        handoff.CompleteWriter();

        Assert.Equal(body, await reading.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Write_WaitsUntilTheReaderHasTakenTheWholeChunk()
    {
        var handoff = new BodyHandoff();

        var write = handoff.Writer.WriteAsync(new byte[100]).AsTask();
        var first = await handoff.Reader.ReadAsync(new byte[60]);

        Assert.Equal(60, first);
        Assert.False(write.IsCompleted);
        Assert.Equal(40, await handoff.Reader.ReadAsync(new byte[60]));
        await write.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Reader_SeesTheEnd_OnlyAfterTheWriterCompletes()
    {
        var handoff = new BodyHandoff();

        // The read finds nothing written and waits before it returns: only the writer can end that wait,
        // so there is nothing to sleep for before asserting it has not ended.
        var read = handoff.Reader.ReadAsync(new byte[10]).AsTask();
        Assert.False(read.IsCompleted);
        handoff.CompleteWriter();

        Assert.Equal(0, await read.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task CompletedReader_ReleasesAWaitingWrite_AndLaterWritesAreDropped()
    {
        var handoff = new BodyHandoff();

        var waiting = handoff.Writer.WriteAsync(new byte[100]).AsTask();
        Assert.Equal(10, await handoff.Reader.ReadAsync(new byte[10]));
        handoff.CompleteReader();

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        await handoff.Writer.WriteAsync(new byte[100]).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task CancelledWrite_IsNotReadAfterwards()
    {
        var handoff = new BodyHandoff();
        using var cancel = new CancellationTokenSource();
        var chunk = "abc"u8.ToArray();

        var write = handoff.Writer.WriteAsync(chunk, cancel.Token).AsTask();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
        handoff.CompleteWriter();

        Assert.Equal(0, await handoff.Reader.ReadAsync(new byte[10]));
    }

    [Fact]
    public async Task CancelledRead_Throws()
    {
        var handoff = new BodyHandoff();
        using var cancel = new CancellationTokenSource();

        var read = handoff.Reader.ReadAsync(new byte[10], cancel.Token).AsTask();
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    private static async Task<byte[]> ReadAllAsync(Stream reader, int readSize)
    {
        var all = new MemoryStream();
        var buffer = new byte[readSize];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            all.Write(buffer, 0, read);
        }
        return all.ToArray();
    }
}
