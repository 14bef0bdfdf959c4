using System.CommandLine;
using Gateway.Audit;

namespace Gateway.Cli.Commands.Audit;

/// <summary>
/// <c>--redis</c>, <c>--stream</c>, <c>--key-file</c> and <c>--json</c>, which every audit command
/// takes, defaulting to the gateway's own settings in the environment.
/// </summary>
internal sealed class AuditStreamOptions
{
    public const int Usage = 2;
    public const int Unreachable = 3;
    public const string StreamVariable = "Gateway__Audit__Stream";
    public const string KeyFileVariable = "Gateway__Audit__KeyFile";

    public Option<string> Redis { get; } = RedisOptionsForCli.Create();

    public Option<string> Stream { get; } = new("--stream")
    {
        Description = $"The audit stream key (default: ${StreamVariable}, else gateway:audit).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(StreamVariable) is { Length: > 0 } stream ? stream : "gateway:audit",
    };

    public Option<string> KeyFile { get; } = new("--key-file")
    {
        Description = $"The gateway's audit key file (default: ${KeyFileVariable}).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(KeyFileVariable) ?? string.Empty,
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Machine-readable output: JSON instead of tables." };

    public void AddTo(Command command, bool withKey)
    {
        command.Options.Add(Redis);
        command.Options.Add(Stream);
        if (withKey)
        {
            command.Options.Add(KeyFile);
        }
        command.Options.Add(Json);
    }

    /// <summary>The key from <c>--key-file</c>, or null after saying what is wrong.</summary>
    public AuditKeys? LoadKeys(ParseResult parse)
    {
        var path = parse.GetValue(KeyFile);
        var error = parse.InvocationConfiguration.Error;
        if (string.IsNullOrWhiteSpace(path))
        {
            error.WriteLine($"No audit key: pass --key-file or set {KeyFileVariable}.");
            return null;
        }
        try
        {
            return AuditKeys.FromFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            error.WriteLine($"Cannot read the audit key: {ex.Message}");
            return null;
        }
    }

    /// <summary>Reads a <c>--since</c> duration, or says what is wrong with it.</summary>
    public static bool TryGetWindow(ParseResult parse, Option<string> since, out TimeSpan window)
    {
        if (Durations.TryParse(parse.GetValue(since), out window))
        {
            return true;
        }
        parse.InvocationConfiguration.Error.WriteLine($"--since '{parse.GetValue(since)}' is not a duration such as 24h or 30d.");
        return false;
    }

    /// <summary>The first stream id at or after <paramref name="since"/> ago.</summary>
    public static string IdSince(TimeProvider time, TimeSpan since) => $"{(time.GetUtcNow() - since).ToUnixTimeMilliseconds()}-0";
}
