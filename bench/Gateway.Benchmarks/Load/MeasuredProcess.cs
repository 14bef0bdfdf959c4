using System.Diagnostics;
using System.Globalization;

namespace Gateway.Benchmarks.Load;

/// <summary>
/// A server process under load, measured from /proc: CPU time used, resident memory now and at its
/// peak since the last reset.
/// </summary>
internal sealed class MeasuredProcess : IDisposable
{
    // USER_HZ: the unit of utime/stime in /proc/[pid]/stat on every Linux the benchmark targets.
    private const double ClockTicksPerSecond = 100;

    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly Dictionary<string, long> _jitTicksByThread = [];
    private long _jitTicks;

    private MeasuredProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    /// <param name="environment">Variables set for this process only, on top of the benchmark's own.</param>
    public static MeasuredProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var output = new MeasuredProcess(process);
        process.OutputDataReceived += (_, e) => output.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => output.Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return output;
    }

    /// <summary>The last lines the process printed, to say why it failed.</summary>
    public string LastOutput
    {
        get
        {
            lock (_lines)
            {
                return string.Join(Environment.NewLine, _lines);
            }
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > 20)
            {
                _lines.Dequeue();
            }
        }
    }

    public double CpuSeconds() => CpuSecondsOf(_process.Id);

    /// <summary>CPU time of one process that is not a <see cref="MeasuredProcess"/> (redis-server).</summary>
    public static double CpuSecondsOf(int pid) => CpuTicks(pid) / ClockTicksPerSecond;

    /// <summary>
    /// CPU time of .NET's background JIT thread (tier-1 recompilation of hot methods), which keeps
    /// recompiling for many seconds of traffic after start.
    /// The runtime ends that thread when it has been idle a while and starts a new one for the next
    /// burst, and an ended thread's time is gone from /proc: summing the threads there went down
    /// by the ended thread's time, so a burst could look like less than nothing. What each thread
    /// has used is added up here as it grows instead (only the last moments of an ended one are missed).
    /// </summary>
    public double JitCpuSeconds()
    {
        lock (_jitTicksByThread)
        {
            try
            {
                foreach (var task in Directory.EnumerateDirectories($"/proc/{_process.Id}/task"))
                {
                    if (ReadOrNull(Path.Combine(task, "comm"))?.StartsWith(".NET Tiered Com", StringComparison.Ordinal) == true
                        && ReadOrNull(Path.Combine(task, "stat")) is { } stat)
                    {
                        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                        var thread = Path.GetFileName(task);
                        var seen = _jitTicksByThread.GetValueOrDefault(thread);
                        // Fewer ticks than seen: a new thread that was given an ended one's id.
                        _jitTicks += ticks >= seen ? ticks - seen : ticks;
                        _jitTicksByThread[thread] = ticks;
                    }
                }
            }
            catch (IOException)
            {
            }
            return _jitTicks / ClockTicksPerSecond;
        }
    }

    public long RssBytes() => StatusKilobytes(_process.Id, "VmRSS:") * 1024;

    public long PeakRssBytes() => StatusKilobytes(_process.Id, "VmHWM:") * 1024;

    /// <summary>Starts a new peak: writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).</summary>
    public void ResetPeakRss() => File.WriteAllText($"/proc/{_process.Id}/clear_refs", "5");

    private static long CpuTicks(int pid) => StatFields(pid) is { } fields
        ? long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
        : 0;

    /// <summary>The fields of /proc/[pid]/stat after the command name (which may hold spaces): state is [0], utime [11], stime [12].</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static long StatusKilobytes(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
