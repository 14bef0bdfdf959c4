namespace Gateway.Configuration;

/// <summary>
/// Notices when any of a set of files changes, by polling their size and write time.
/// Polling rather than inotify because Kubernetes secret mounts swap files through symlinks,
/// which file-system watchers miss.
/// </summary>
internal sealed class PolledFiles
{
    private readonly string[] _paths;
    private string _stamp;

    public PolledFiles(params string[] paths)
    {
        _paths = paths;
        _stamp = CurrentStamp();
    }

    /// <summary>True once per change: the caller reloads, and the next call is false until the files change again.</summary>
    public bool HasChanged()
    {
        var stamp = CurrentStamp();
        if (stamp == _stamp)
        {
            return false;
        }
        _stamp = stamp;
        return true;
    }

    /// <summary>Calls <paramref name="reload"/> after every change, checking every <paramref name="interval"/>, until stopped.</summary>
    public async Task WatchAsync(TimeSpan interval, TimeProvider time, Func<ValueTask> reload, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (HasChanged())
                {
                    await reload();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private string CurrentStamp() => string.Join('|', _paths.Select(path =>
    {
        var info = new FileInfo(path);
        return info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : "missing";
    }));
}
