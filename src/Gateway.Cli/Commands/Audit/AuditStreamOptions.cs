using System.CommandLine;
using Gateway.Audit;
using Gateway.Cli.Errors;

namespace Gateway.Cli.Commands.Audit;

/// <summary>
/// <c>--redis</c>, <c>--stream</c>, <c>--key-file</c> and <c>--json</c>, which every audit command
/// takes, defaulting to the gateway's own settings in the environment.
/// </summary>
internal sealed class AuditStreamOptions
{
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

    /// <summary>The key from <c>--key-file</c>; throws a <see cref="CliFailure"/> saying what is wrong.</summary>
    public AuditKeys LoadKeys(ParseResult parse)
    {
        var path = parse.GetValue(KeyFile);
        if (string.IsNullOrWhiteSpace(path))
        {
            throw CliFailure.Usage("no audit key", $"pass --key-file (the gateway's Gateway:Audit:KeyFile) or set {KeyFileVariable}");
        }
        try
        {
            return AuditKeys.FromFile(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw CliFailure.Usage($"the audit key file {path} does not exist", "pass --key-file with the gateway's Gateway:Audit:KeyFile");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new CliFailure($"cannot read the audit key {path} ({FailureMessages.Sentence(ex.Message)})", "pass --key-file with the gateway's Gateway:Audit:KeyFile, readable by this user", ExitCodes.Usage, ex);
        }
    }

    /// <summary>Reads a <c>--since</c> duration; throws a <see cref="CliFailure"/> saying what is wrong with it.</summary>
    public static TimeSpan GetWindow(ParseResult parse, Option<string> since) =>
        Durations.TryParse(parse.GetValue(since), out var window)
            ? window
            : throw CliFailure.Usage($"--since '{parse.GetValue(since)}' is not a duration", "give one such as 24h or 30d");

    /// <summary>The first stream id at or after <paramref name="since"/> ago.</summary>
    public static string IdSince(TimeProvider time, TimeSpan since) => $"{(time.GetUtcNow() - since).ToUnixTimeMilliseconds()}-0";
}
