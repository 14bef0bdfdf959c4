using Gateway.Configuration;

namespace Gateway.Tests.Configuration;

public sealed class PolledFilesTests : IDisposable
{
    private readonly string _path = Path.GetTempFileName();

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void HasChanged_Untouched_IsFalse()
    {
        Assert.False(new PolledFiles(_path).HasChanged());
    }

    [Fact]
    public void HasChanged_AfterRewrite_IsTrueOnce()
    {
        var files = new PolledFiles(_path);

        File.WriteAllText(_path, "renewed");
        File.SetLastWriteTimeUtc(_path, DateTime.UtcNow.AddMinutes(1));

        Assert.True(files.HasChanged());
        Assert.False(files.HasChanged());
    }

    [Fact]
    public void HasChanged_FileDeleted_IsTrue()
    {
        var files = new PolledFiles(_path);

        File.Delete(_path);

        Assert.True(files.HasChanged());
    }
}
