using System.Diagnostics;

namespace Gateway.Benchmarks.Load;

/// <summary>Runs a command-line tool (wrk, h2load) to its end.</summary>
internal static class ToolProcess
{
    /// <returns>What it printed, standard output first.</returns>
    /// <exception cref="InvalidOperationException">It exited with a failure, whose output the message holds.</exception>
    public static async Task<string> RunToEndAsync(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} exited with {process.ExitCode}:{Environment.NewLine}{await stderr}{await stdout}");
        }
        return await stdout + await stderr;
    }
}
